"""A safe calculator tool (`calc/evaluate`): arithmetic for models, which are bad at it.

The expression is parsed with `ast` and evaluated by walking an allow-list of node types (numbers,
+ - * / // % **, unary signs, calls of a fixed set of math functions, the constants pi and e);
nothing is ever handed to `eval`/`exec`, so names, attributes, lambdas, comprehensions and strings
are refused before anything runs. The limits keep a hostile or confused expression from eating the
worker: a length cap, a nesting cap, an exponent cap and a cap on the size of integers (checked
*before* a power is computed, so `9**9**9` is refused instantly).

Every refusal raises `CalculatorError` with a message that tells the model how to rewrite the
expression; the executor turns it into an error result.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, localcontext

from palaestra.routing.sources.python import api
from palaestra.routing.tools._common import OFFLINE, CalculatorError

Number = int | float

#: Longest expression accepted, in characters.
MAX_EXPRESSION_CHARS = 500
#: Deepest nesting of operations and calls accepted.
MAX_DEPTH = 60
#: Largest exponent magnitude accepted (unless the base is 0, 1 or -1).
MAX_EXPONENT = 10_000
#: Largest integer accepted anywhere (about 308 decimal digits, the range of a float).
MAX_INT_BITS = 1024
#: Significant digits kept in float results, hiding binary noise (0.1 + 0.2 gives 0.3).
FLOAT_DIGITS = 15

_UNICODE_OPERATORS = str.maketrans({"×": "*", "÷": "/", "−": "-", "⋅": "*"})


def _round_half_away(x: Number, ndigits: Number = 0) -> Number:
    """round() as people expect it (2.5 -> 3, 2.675 -> 2.68), not Python's banker's rounding.

    Rounds the shortest decimal form of `x` (its repr), which is the number the model wrote or saw.
    """
    if not isinstance(ndigits, int) or abs(ndigits) > 300:
        raise CalculatorError("round(x, n): n must be a whole number of decimal places (at most 300).")
    if isinstance(x, int) and ndigits >= 0:
        return x
    with localcontext() as context:
        context.prec = 1000  # enough for any float at any accepted n, so quantize never fails
        rounded = Decimal(repr(x)).quantize(Decimal(1).scaleb(-ndigits), rounding=ROUND_HALF_UP)
    return int(rounded) if ndigits <= 0 else float(rounded)


def _log(x: Number, base: Number | None = None) -> float:
    return math.log(x) if base is None else math.log(x, base)


def _extreme(pick: Callable[..., Number]) -> Callable[..., Number]:
    def choose(*values: Number) -> Number:
        return pick(values)

    return choose


#: name -> (function, fewest arguments, most arguments or None for any number).
_FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int | None]] = {
    "sqrt": (math.sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round_half_away, 1, 2),
    "min": (_extreme(min), 1, None),
    "max": (_extreme(max), 1, None),
    "log": (_log, 1, 2),
    "exp": (math.exp, 1, 1),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_WHAT_IT_IS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (`.`)",
    ast.Lambda: "lambda functions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators (and/or)",
    ast.Subscript: "indexing (`[...]`)",
    ast.List: "lists",
    ast.Tuple: "tuples (commas outside a function call; write 1000, not 1,000)",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignments (`:=`)",
    ast.JoinedStr: "strings",
    ast.Starred: "starred arguments",
}
_KNOWN = ", ".join(sorted(_FUNCTIONS))
_ALLOWED = f"numbers, + - * / // % **, parentheses, the constants pi and e, and the functions {_KNOWN}"


@api(namespace="calc", annotations=OFFLINE)
def evaluate(expression: str) -> float | int:
    """Compute an arithmetic expression; use it whenever a task needs a number worked out.

    Use it for totals, differences, averages, percentages, unit prices, rates and any multi-step
    arithmetic instead of computing in your head. Supports + - * / // % ** (% is the remainder, so
    write 15% of 80 as 0.15*80), parentheses, decimals, pi, e and sqrt, abs, round (halves away from
    zero), min, max, log (natural; log(x, base) for others), exp, sin, cos, tan (radians), floor, ceil.

    Args:
        expression: The arithmetic to compute, e.g. "(19.99*3 + 4.5) * 1.08" or "sqrt(2)/2".

    Returns:
        The value: an integer when the arithmetic stays whole, otherwise a float (15 significant digits).

    Examples:
        evaluate(expression="2*(3+4)") -> 14
        evaluate(expression="round(129.99 * 0.85, 2)") -> 110.49
    """
    return calculate(expression)


def calculate(expression: str) -> Number:
    """Evaluate `expression` safely (see the module doc); raise `CalculatorError` on refusal."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculatorError(
            f"The expression is {len(expression)} characters long; the limit is {MAX_EXPRESSION_CHARS}. "
            "Split the computation into smaller steps."
        )
    text = expression.translate(_UNICODE_OPERATORS).strip()
    if not text:
        raise CalculatorError(f"The expression is empty. Write arithmetic using {_ALLOWED}.")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise CalculatorError(
            f"`{expression}` is not a valid arithmetic expression ({exc.msg}{where}). Use {_ALLOWED}."
        ) from None
    except ValueError:  # e.g. a NUL character
        raise CalculatorError(f"`{expression}` contains characters that are not arithmetic.") from None
    except (RecursionError, MemoryError):
        raise CalculatorError("The expression is nested too deeply. Split it into smaller steps.") from None
    result = _evaluate(tree.body, 0)
    if isinstance(result, float):
        return float(f"{result:.{FLOAT_DIGITS}g}")
    return result


def _evaluate(node: ast.AST, depth: int) -> Number:
    if depth > MAX_DEPTH:
        raise CalculatorError(
            f"The expression is nested more than {MAX_DEPTH} levels deep. Split it into smaller steps."
        )
    if isinstance(node, ast.Constant):
        return _literal(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand, depth + 1)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, depth + 1)
        right = _evaluate(node.right, depth + 1)
        return _binary(node.op, left, right)
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in _FUNCTIONS:
            raise CalculatorError(f"`{node.id}` is a function; call it with parentheses, e.g. {node.id}(2).")
        raise CalculatorError(
            f"Unknown name `{node.id}`; known: {_KNOWN}, pi, e. Put numbers into the expression directly."
        )
    if isinstance(node, ast.Call):
        return _call(node, depth)
    if isinstance(node, ast.UnaryOp):
        raise CalculatorError("Only the signs + and - may precede a number (no `not` or `~`).")
    what = _WHAT_IT_IS.get(type(node), f"`{type(node).__name__}` expressions")
    raise CalculatorError(f"The calculator does not allow {what}; it takes {_ALLOWED}.")


def _literal(value: object) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "strings" if isinstance(value, str) else f"`{value!r}` ({type(value).__name__})"
        raise CalculatorError(f"The calculator does not allow {kind}, only numbers; it takes {_ALLOWED}.")
    return _checked(value)


def _checked(value: Number) -> Number:
    """Refuse integers beyond the size cap and floats that overflowed to inf or nan."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CalculatorError(
            f"A number in this computation exceeds 2**{MAX_INT_BITS} (about 308 digits); the calculator "
            "refuses numbers that large."
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculatorError("The result is too large to represent (it overflows a float).")
    return value


def _binary(op: ast.operator, left: Number, right: Number) -> Number:
    try:
        if isinstance(op, ast.Pow):
            return _checked(_power(left, right))
        function = _BINARY.get(type(op))
        if function is None:
            hint = " `^` is not a power here: write 2**10 for powers." if isinstance(op, ast.BitXor) else ""
            raise CalculatorError(f"Bitwise operators and `@` are not supported.{hint} Use {_ALLOWED}.")
        return _checked(function(left, right))
    except ZeroDivisionError:
        raise CalculatorError("Division by zero (in /, // or %, or 0 raised to a negative power).") from None
    except OverflowError:
        raise CalculatorError("The result is too large to represent (it overflows a float).") from None


def _power(base: Number, exponent: Number) -> Number:
    """`base ** exponent`, refused when the exponent or the result would be too large."""
    if abs(base) > 1 and abs(exponent) > MAX_EXPONENT:
        raise CalculatorError(
            f"The exponent {_shown(exponent)} is too large (the limit is {MAX_EXPONENT}); the result would "
            "be astronomically large. Check the expression (powers group from the right: 2**3**2 = 2**9)."
        )
    whole = isinstance(base, int) and isinstance(exponent, int)
    if whole and exponent > 0 and abs(base) > 1 and exponent * math.log2(abs(base)) > MAX_INT_BITS:
        raise CalculatorError(
            f"{base}**{exponent} would have more than 308 digits; the calculator refuses numbers that large."
        )
    result: Number | complex = base**exponent
    if isinstance(result, complex):
        raise CalculatorError(
            f"({_shown(base)})**({_shown(exponent)}) is not a real number (a fractional power of a "
            "negative number)."
        )
    return result


def _shown(value: Number) -> str:
    """A number for an error message: `:g` when it fits a float, its size otherwise (formatting a
    300-digit integer as a float raises OverflowError, which must not replace the message)."""
    try:
        return f"{value:g}"
    except OverflowError:
        return f"{'-' if value < 0 else ''}(a {len(str(abs(value)))}-digit number)"


def _call(node: ast.Call, depth: int) -> Number:
    if isinstance(node.func, ast.Attribute):
        raise CalculatorError(f"The calculator does not allow attribute access (`.`); it takes {_ALLOWED}.")
    if not isinstance(node.func, ast.Name):
        raise CalculatorError(f"Only the known functions can be called: {_KNOWN}.")
    name = node.func.id
    if name in _CONSTANTS:
        raise CalculatorError(f"`{name}` is a constant, not a function; write e.g. 2*{name}.")
    if name not in _FUNCTIONS:
        raise CalculatorError(f"Unknown function `{name}`; known: {_KNOWN}.")
    if node.keywords:
        raise CalculatorError(f"{name}() takes positional arguments only, e.g. round(2.345, 2).")
    function, fewest, most = _FUNCTIONS[name]
    count = len(node.args)
    if count < fewest or (most is not None and count > most):
        expected = f"{fewest}" if fewest == most else f"{fewest} to {most}" if most else f"at least {fewest}"
        raise CalculatorError(f"{name}() takes {expected} argument(s), got {count}.")
    args = [_evaluate(arg, depth + 1) for arg in node.args]
    try:
        return _checked(function(*args))
    except CalculatorError:
        raise
    except ValueError:
        shown = ", ".join(_shown(a) for a in args)
        raise CalculatorError(f"{name}({shown}) is undefined (math domain error).") from None
    except ZeroDivisionError:
        raise CalculatorError(f"Division by zero in {name}().") from None
    except OverflowError:
        raise CalculatorError(f"{name}() overflowed: the result is too large to represent.") from None
