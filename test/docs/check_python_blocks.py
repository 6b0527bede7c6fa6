"""Compiles each Python file named on the command line (py_compile) and refuses a name that is used
but bound nowhere in the file nor a builtin (a snippet with an undefined ``config`` compiles, but
fails at its first run), and a use of the companion (``backend_lifecycle``, read from python/ as
source, so that neither it nor Starlette need be installed) that it does not offer: an import it
does not have, an attribute its class lacks, a call with arguments the function or class does not
take. Prints one line per problem; exit status 1 when there is one."""

import ast
import builtins
import os
import py_compile
import sys

COMPANION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "backend_lifecycle")


def module_tree(module: str):
    parts = module.split(".")[1:]
    path = os.path.join(COMPANION, *parts) + ".py" if parts else os.path.join(COMPANION, "__init__.py")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as source:
        return ast.parse(source.read(), path)


def definition(module: str, name: str):
    """The node that binds ``name`` at the top of the companion's ``module`` (re-exports followed),
    None when nothing does."""
    tree = module_tree(module)
    for node in tree.body if tree else []:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return node
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == name for target in node.targets):
            return node
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return node
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return definition(f"backend_lifecycle.{node.module}" if node.module else "backend_lifecycle", alias.name)
    return None


def arity_problems(label: str, function: ast.FunctionDef, call: ast.Call, skip_first: bool) -> list:
    arguments = function.args
    positional = [arg.arg for arg in arguments.posonlyargs + arguments.args][1 if skip_first else 0 :]
    named = positional + [arg.arg for arg in arguments.kwonlyargs]
    found = []
    given = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    if arguments.vararg is None and len(given) > len(positional):
        found.append(f"{label}() takes at most {len(positional)} positional arguments, given {len(given)}")
    if arguments.kwarg is None:
        found += [f'{label}() takes no argument "{keyword.arg}"' for keyword in call.keywords if keyword.arg is not None and keyword.arg not in named]
    return found


def companion_problems(tree: ast.AST) -> list:
    imported = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "backend_lifecycle":
            if module_tree(node.module) is None:
                found.append((node.lineno, f"{node.module} is not a module of the companion"))
                continue
            for alias in node.names:
                target = definition(node.module, alias.name)
                if target is None and module_tree(f"{node.module}.{alias.name}") is None:
                    found.append((node.lineno, f'{node.module} has no "{alias.name}"'))
                elif isinstance(target, (ast.FunctionDef, ast.ClassDef)):
                    imported[alias.asname or alias.name] = target
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and isinstance(imported.get(node.value.id), ast.ClassDef):
            members = {member.name for member in imported[node.value.id].body if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
            members |= {target.id for member in imported[node.value.id].body if isinstance(member, ast.Assign) for target in member.targets if isinstance(target, ast.Name)}
            members |= {member.target.id for member in imported[node.value.id].body if isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name)}
            if node.attr not in members:
                found.append((node.lineno, f'{node.value.id} has no "{node.attr}"'))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported:
            target = imported[node.func.id]
            if isinstance(target, ast.FunctionDef):
                found += [(node.lineno, problem) for problem in arity_problems(node.func.id, target, node, False)]
            else:
                init = next((member for member in target.body if isinstance(member, ast.FunctionDef) and member.name == "__init__"), None)
                if init is not None:
                    found += [(node.lineno, problem) for problem in arity_problems(node.func.id, init, node, True)]
    return found


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
    undefined = [f"{path}:{node.lineno}: name {node.id!r} is used but never defined" for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound]
    return undefined + [f"{path}:{line}: {problem}" for line, problem in companion_problems(tree)]


if __name__ == "__main__":
    found = [problem for path in sys.argv[1:] for problem in problems(path)]
    for problem in found:
        print(problem)
    sys.exit(1 if found else 0)
