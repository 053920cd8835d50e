#!/bin/sh
# render.sh PAGE - PAGE renders with man(1) at 80 columns without a single
# warning from groff (MANWIDTH=80 man --warnings -l), and has a NAME
# section.  Exit 77 (skipped) where man is not installed.
command -v man >/dev/null 2>&1 || { echo "no man here"; exit 77; }
page=$1
warnings=$(mktemp) || exit 1
trap 'rm -f "$warnings"' EXIT
out=$(MANWIDTH=80 man --warnings -l "$page" 2>"$warnings") || {
    cat "$warnings"
    echo "$page: man failed"
    exit 1
}
if [ -s "$warnings" ]; then
    cat "$warnings"
    echo "$page: man --warnings complained"
    exit 1
fi
case $out in
*NAME*) echo "$page: renders without warnings" ;;
*) echo "$page: no NAME section in: $out"; exit 1 ;;
esac
