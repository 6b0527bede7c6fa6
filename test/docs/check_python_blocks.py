"""Compiles each Python file named on the command line (py_compile) and refuses a name that is used
but bound nowhere in the file nor a builtin (a snippet with an undefined ``config`` compiles, but
fails at its first run). Prints one line per problem; exit status 1 when there is one."""

import ast
import builtins
import py_compile
import sys


def bound_names(tree: ast.AST) -> set:
    names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def problems(path: str) -> list:
    try:
        py_compile.compile(path, doraise=True)
    except py_compile.PyCompileError as error:
        return [str(error.msg).strip()]
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), path)
    bound = bound_names(tree)
    return [f"{path}:{node.lineno}: name {node.id!r} is used but never defined" for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound]


if __name__ == "__main__":
    found = [problem for path in sys.argv[1:] for problem in problems(path)]
    for problem in found:
        print(problem)
    sys.exit(1 if found else 0)
