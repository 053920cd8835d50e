#!/usr/bin/env python3
"""check_layers.py SOURCE_ROOT - the architecture rules of docs/architecture.md,
checked on the tree's #include lines.

1. Every quoted include resolves to a file of the tree, and each part includes
   only the parts below it (PARTS: common/ knows nothing of connectors/,
   server/, client/ or agents/; agents/ never reach a connector; the CLI and
   the examples use only the installed public headers).
2. No circle: a module (a .c/.h pair) depends on the modules whose headers it
   includes; the module graph has no cycle, within a part or across parts.
3. Every .c of a library part has its own header: each function it defines
   without `static` is declared in the .h of the same name (or, for an
   implementation of an interface, in that interface's header: IMPLEMENTS).

Prints one line per violation, "FILE: reason", and exits 1 if there is any.
"""
import os
import re
import sys

# part -> the parts (path prefixes) its files may include from.
COMMON = ['common/']
PARTS = [
    ('common/', COMMON),
    ('connectors/', COMMON + ['connectors/']),
    ('agents/', COMMON + ['agents/']),
    ('server/', COMMON + ['connectors/', 'agents/', 'server/']),
    ('client/lib/', COMMON + ['connectors/', 'client/lib/']),
    # The CLI and the examples: the installed headers only.
    ('client/cli/', ['client/cli/', 'client/lib/muster/', 'common/muster/']),
    ('client/examples/', ['client/lib/muster/', 'common/muster/']),
]
# Parts whose every .c must declare its functions in its own header.
OWN_HEADER = ['common/', 'connectors/', 'server/', 'client/lib/']
# An implementation -> the interface header that declares its functions.
IMPLEMENTS = {'connectors/rabbitmq.c': 'connectors/connector.h',
              'client/lib/api.c': 'client/lib/muster/client.h'}

# A module's private interface kept in a header of another name: it belongs
# to that module (security.c dispatches through the provider table that
# security_x509.c fills in).
PART_OF_MODULE = {'common/security/security_provider.h': 'common/security/security'}

# A function definition at the start of a line that is not static.
DEFINITION = re.compile(
    r'^(?!static\b|typedef\b|enum\b|union\b|struct\s+\w+\s*\{)'
    r'[A-Za-z_][\w \*]*?\b([A-Za-z_]\w*)\s*\(([^;{}()]|\([^()]*\))*\)\s*\{',
    re.M)

# Trees not held to the layering (they may use anything), but checked for
# unresolved includes and circles.
FREE = ['test/', 'bench/', 'build']

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


def sources(root):
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        if rel_top.startswith(('build', '.git')) or '/build' in rel_top:
            dirs[:] = []
            continue
        for f in files:
            if f.endswith(('.c', '.h')):
                yield os.path.normpath(os.path.join(rel_top, f))


def search_dirs(path):
    """Where a quoted include of `path` may be found, in order."""
    dirs = [os.path.dirname(path)]
    # The include roots the build gives (meson include_directories).
    dirs += ['common', 'connectors', 'agents', 'agents/common', 'client/lib',
             'client/cli', 'server', 'test/unit', 'bench', '.']
    return dirs


def resolve(root, path, name, known):
    for d in search_dirs(path):
        cand = os.path.normpath(os.path.join(d, name))
        if cand in known:
            return cand
    return None


def part_of(path):
    for prefix, allowed in PARTS:
        if path.startswith(prefix):
            return prefix, allowed
    return None, None


def module_of(path):
    return PART_OF_MODULE.get(path, os.path.splitext(path)[0])


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    files = sorted(sources(root))
    known = set(files)
    bad = []
    deps = {}
    for path in files:
        with open(os.path.join(root, path), encoding='utf-8') as f:
            text = f.read()
        prefix, allowed = part_of(path)
        for kind, name in INCLUDE.findall(text):
            target = resolve(root, path, name, known)
            if target is None:
                if kind == '"' and name != 'mst_build.h':
                    bad.append(f'{path}: "{name}" is not a file of the tree')
                continue
            if prefix and not any(target.startswith(a) for a in allowed):
                bad.append(f'{path}: includes {target}, outside what '
                           f'{prefix} may use')
            if module_of(target) != module_of(path):
                deps.setdefault(module_of(path), set()).add(module_of(target))
    bad += cycles(deps)
    bad += undeclared(root, files, known)
    for line in bad:
        print(line)
    if not bad:
        print(f'layers: {len(files)} files, no violation')
    return 1 if bad else 0


def undeclared(root, files, known):
    """One line per exported function missing from its module's header."""
    found = []
    for path in files:
        if not path.endswith('.c') or not path.startswith(tuple(OWN_HEADER)):
            continue
        header = IMPLEMENTS.get(path, module_of(path) + '.h')
        with open(os.path.join(root, path), encoding='utf-8') as f:
            names = [m.group(1) for m in DEFINITION.finditer(f.read())]
        names = [n for n in names if n != 'main']
        if not names:
            continue
        if header not in known:
            found.append(f'{path}: defines {", ".join(names[:3])}... '
                         f'but has no header {header}')
            continue
        with open(os.path.join(root, header), encoding='utf-8') as f:
            text = f.read()
        for n in names:
            if not re.search(r'\b' + n + r'\s*\(', text):
                found.append(f'{path}: {n}() is not declared in {header}')
    return found


def cycles(deps):
    """One line per module circle found (depth-first search)."""
    state, stack, found = {}, [], []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(deps.get(m, ())):
            if state.get(n) == 1:
                ring = stack[stack.index(n):] + [n]
                found.append(f'{m}: circle: {" -> ".join(ring)}')
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(deps):
        if m not in state:
            visit(m)
    return found


if __name__ == '__main__':
    sys.exit(main())
