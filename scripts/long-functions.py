#!/usr/bin/env python3
"""Lists functions over a line limit (default 80) and files over 400 lines in
lib/ and apps/, for the review rule in docs/architecture.md. A function is a
brace block opened, outside any function, after a ')' (comments and strings
are ignored)."""
import re
import sys
from pathlib import Path

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 80
FILE_LIMIT = 400


def strip(text):
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group().count('\n'), text, flags=re.S)
    text = re.sub(r'R"\((.*?)\)"', lambda m: '""' + '\n' * m.group().count('\n'), text, flags=re.S)
    return re.sub(r'"(\\.|[^"\\\n])*"|\'(\\.|[^\'\\\n])*\'', '""', text)


def functions(text):
    stack, head = [], ''
    line = 1
    for ch in text:
        if ch == '\n':
            line += 1
        if ch == '{':
            in_function = any(kind == 'function' for kind, _ in stack)
            is_function = not in_function and ')' in head and not re.search(r'\b(namespace|class|struct|enum)\b', head)
            stack.append(('function' if is_function else 'block', line))
            head = ''
        elif ch == '}':
            if stack:
                kind, start = stack.pop()
                if kind == 'function':
                    yield start, line - start + 1
            head = ''
        elif ch == ';':
            head = ''
        else:
            head += ch


found = False
for path in sorted(Path('.').glob('lib/*/*.[ch]pp')) + sorted(Path('.').glob('apps/*/*.cpp')):
    text = path.read_text()
    if text.count('\n') > FILE_LIMIT:
        print(f'{path}: {text.count(chr(10))} lines (file)')
        found = True
    for start, length in functions(strip(text)):
        if length > LIMIT:
            print(f'{path}:{start}: function of {length} lines')
            found = True
sys.exit(1 if found else 0)
