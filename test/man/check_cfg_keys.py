#!/usr/bin/env python3
"""check_cfg_keys.py CONFIG_KEYS PAGE - muster.cfg(5) against the schema.

CONFIG_KEYS is test/tools/config_keys, which prints every key of the
schema in common/base/config.c as "KEY = TYPE (SIDES)".  PAGE is
man/muster.cfg.5.scd, where each key is documented on a line of its own
that starts "*KEY* = TYPE (SIDES)".  Fails, with one line per problem, when
a key of the schema is missing from the page, the page documents a key the
schema does not have, or the two disagree on its type or sides.
"""
import re
import subprocess
import sys

ENTRY = re.compile(r'^\*([A-Za-z0-9_.]+)\* = (.+)$')


def main():
    tool, page = sys.argv[1], sys.argv[2]
    out = subprocess.run([tool], check=True, capture_output=True, text=True)
    schema = {}
    for line in out.stdout.splitlines():
        key, rest = line.split(' = ', 1)
        schema[key] = rest
    documented = {}
    with open(page, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            m = ENTRY.match(line.rstrip('\n'))
            if m:
                if m.group(1) in documented:
                    print(f'{page}:{n}: {m.group(1)} is documented twice')
                documented.setdefault(m.group(1), (n, m.group(2)))
    bad = 0
    for key, rest in schema.items():
        if key not in documented:
            print(f'{page}: {key} ({rest}) is missing')
            bad += 1
        elif documented[key][1] != rest:
            n, said = documented[key]
            print(f'{page}:{n}: {key}: the page says "{said}", '
                  f'the schema "{rest}"')
            bad += 1
    for key, (n, _) in documented.items():
        if key not in schema:
            print(f'{page}:{n}: {key} is not a key of the schema')
            bad += 1
    if bad == 0:
        print(f'{page}: all {len(schema)} keys documented')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
