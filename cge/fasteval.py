"""Pyomo expressions compiled once into one Python function: the same floats as ``pyo.value``.

Result extraction evaluates about 160 expressions a year (utility, equivalent variation, demand
and price expressions, the national accounts).  ``pyo.value`` walks each expression tree with
Pyomo's generic visitor and evaluates a named Expression again wherever it is used (10-20 ms a
year); :class:`Compiled` turns the trees into Python source once (each named Expression becomes
one local variable, computed once per call) and evaluates them with plain float arithmetic.  Each
operation is the one Pyomo's ``_apply_operation`` performs, in the same order (sums left to right
from their first term), so the values are bit-identical; an expression with a node it does not
know is evaluated with ``pyo.value``.
"""
from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr import numeric_expr as ne
from pyomo.core.expr import relational_expr as rel
from pyomo.core.expr.numvalue import native_numeric_types


class _Unsupported(Exception):
    pass


class Compiled:
    """``Compiled(exprs)()`` -> numpy array of the current values of ``exprs`` (Pyomo expressions,
    variables, parameters or numbers)."""

    def __init__(self, exprs) -> None:
        self.exprs = list(exprs)
        self._leaves: list = []
        self._leaf_pos: dict[int, int] = {}
        self._funcs: list = []
        self._lines: list[str] = []
        self._named: dict[int, str] = {}
        outs, self._fallback = [], {}
        for k, e in enumerate(self.exprs):
            mark = len(self._lines), dict(self._named)
            try:
                outs.append(self._code(e))
            except _Unsupported:
                del self._lines[mark[0]:]             # drop what this expression started
                self._named = mark[1]
                self._fallback[k] = e
                outs.append("0.0")
        body = "".join(f"    {line}\n" for line in self._lines)
        src = f"def _f(L, F):\n{body}    return [{', '.join(outs)}]\n"
        ns: dict = {}
        exec(compile(src, "<cge.fasteval>", "exec"), ns)        # noqa: S102 - our own generated code
        self._f = ns["_f"]

    def __call__(self) -> np.ndarray:
        out = self._f([o.value for o in self._leaves], self._funcs)
        for k, e in self._fallback.items():
            out[k] = pyo.value(e)
        return np.array(out, dtype=float)

    # ------------------------------------------------------------------ code generation

    def _leaf(self, e) -> str:
        pos = self._leaf_pos.get(id(e))
        if pos is None:
            pos = self._leaf_pos[id(e)] = len(self._leaves)
            self._leaves.append(e)
        return f"L[{pos}]"

    def _code(self, e) -> str:
        if e.__class__ in native_numeric_types:
            return repr(e)
        if not e.is_expression_type():
            if e.is_numeric_type() and hasattr(e, "value"):    # a variable or a mutable parameter
                return self._leaf(e)
            raise _Unsupported(type(e).__name__)
        if e.is_named_expression_type():                      # computed once per call, as a local
            name = self._named.get(id(e))
            if name is None:
                inner = self._code(e.expr)
                name = self._named[id(e)] = f"t{len(self._named)}"
                self._lines.append(f"{name} = {inner}")
            return name
        args = [self._code(a) for a in e.args]
        if isinstance(e, ne.NegationExpression):
            return f"(-{args[0]})"
        if isinstance(e, ne.PowExpression):
            return f"({args[0]} ** {args[1]})"
        if isinstance(e, ne.ProductExpression):             # also MonomialTermExpression
            return f"({args[0]} * {args[1]})"
        if isinstance(e, ne.DivisionExpression):
            return f"({args[0]} / {args[1]})"
        if isinstance(e, ne.SumExpression):                 # also LinearExpression: left to right from the first term
            return f"({' + '.join(args)})" if args else "0"
        if isinstance(e, ne.MaxExpression):
            return f"max([{', '.join(args)}])"
        if isinstance(e, ne.MinExpression):
            return f"min([{', '.join(args)}])"
        if isinstance(e, ne.UnaryFunctionExpression):       # log, exp, sqrt, abs ...: Pyomo's own function
            self._funcs.append(e._fcn)
            return f"F[{len(self._funcs) - 1}]({args[0]})"
        if isinstance(e, ne.Expr_ifExpression):
            return f"({args[1]} if {args[0]} else {args[2]})"
        if isinstance(e, rel.InequalityExpression) and len(args) == 2:
            return f"({args[0]} {'<' if e.strict else '<='} {args[1]})"
        if isinstance(e, rel.EqualityExpression):
            return f"({args[0]} == {args[1]})"
        raise _Unsupported(type(e).__name__)
