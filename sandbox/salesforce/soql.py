"""SOQL subset: tokenizer and recursive-descent parser producing a small AST (evaluation lives in soql_eval)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<string>'(?:[^'\\]|\\.)*')
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op><=|>=|!=|<>|=|<|>)
    |(?P<punct>[(),.:\-])""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "N": "\n", "r": "\r", "R": "\r", "t": "\t", "T": "\t", "b": "\b", "B": "\b"}
_ESCAPES |= {"f": "\f", "F": "\f", '"': '"', "'": "'", "\\": "\\"}
_LIKE_ESCAPES = {"_": "\\_", "%": "\\%"}
KEYWORDS = frozenset(
    ["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "TRUE", "FALSE", "NULL"]
)


class SoqlError(Exception):
    """A query the server rejects; `code` is MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE or NUMBER_OUTSIDE_VALID_RANGE."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]
    pos: int = 0

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Literal:
    """A literal value; `kind` is string, number, boolean, null, date, datetime or relative (value = (name, n))."""

    kind: str
    value: object


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < <= > >= IN NOT IN LIKE
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND / OR
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderKey:
    field: FieldRef
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    text: str
    sobject: str
    sobject_pos: int
    fields: tuple[FieldRef, ...]
    count_only: bool
    where: Condition | None
    order: tuple[OrderKey, ...]
    limit: int | None
    offset: int | None


def located(text: str, pos: int, message: str) -> str:
    """Salesforce's error text: the query, a caret line and `ERROR at Row:1:Column:n`."""
    return f"\n{text}\n{' ' * pos}^\nERROR at Row:1:Column:{pos + 1}\n{message}"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise SoqlError("MALFORMED_QUERY", located(text, pos, f"unexpected token: {text[pos]}"))
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


def unquote(raw: str, like: bool = False) -> str:
    out: list[str] = []
    chars = iter(raw[1:-1])
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(chars, "")
        if like and nxt in _LIKE_ESCAPES:
            out.append(_LIKE_ESCAPES[nxt])
        elif nxt == "u":
            out.append(chr(int("".join(next(chars, "") for _ in range(4)), 16)))
        elif nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
        else:
            raise SoqlError("MALFORMED_QUERY", f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}'")
    return "".join(out)


def parse(text: str) -> Query:
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def fail(self, token: Token | None = None) -> SoqlError:
        token = token or self.tok
        shown = token.text or "<EOF>"
        return SoqlError("MALFORMED_QUERY", located(self.text, token.pos, f"unexpected token: '{shown}'"))

    def take(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def at(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.upper in words

    def at_punct(self, ch: str) -> bool:
        return self.tok.kind == "punct" and self.tok.text == ch

    def expect_word(self, word: str) -> Token:
        if not self.at(word):
            raise self.fail()
        return self.take()

    def expect_punct(self, ch: str) -> Token:
        if not self.at_punct(ch):
            raise self.fail()
        return self.take()

    def query(self) -> Query:
        self.expect_word("SELECT")
        count_only, fields = self.select_list()
        self.expect_word("FROM")
        if self.tok.kind != "ident" or self.tok.upper in KEYWORDS:
            raise self.fail()
        sobject = self.take()
        where = self.condition() if self.at("WHERE") and self.take() else None
        order = self.order_by() if self.at("ORDER") else ()
        limit = self.integer_clause("LIMIT")
        offset = self.integer_clause("OFFSET")
        if self.tok.kind != "eof":
            raise self.fail()
        return Query(self.text, sobject.text, sobject.pos, fields, count_only, where, order, limit, offset)

    def select_list(self) -> tuple[bool, tuple[FieldRef, ...]]:
        if self.at("COUNT") and self.tokens[self.i + 1].text == "(":
            self.take()
            self.expect_punct("(")
            self.expect_punct(")")
            return True, ()
        fields = [self.field_ref()]
        while self.at_punct(","):
            self.take()
            fields.append(self.field_ref())
        return False, tuple(fields)

    def field_ref(self) -> FieldRef:
        if self.tok.kind != "ident" or self.tok.upper in KEYWORDS:
            raise self.fail()
        first = self.take()
        path = [first.text]
        while self.at_punct("."):
            self.take()
            if self.tok.kind != "ident":
                raise self.fail()
            path.append(self.take().text)
        return FieldRef(tuple(path), first.pos)

    def condition(self) -> Condition:
        items = [self.conjunction()]
        while self.at("OR"):
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items))

    def conjunction(self) -> Condition:
        items = [self.negation()]
        while self.at("AND"):
            self.take()
            items.append(self.negation())
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items))

    def negation(self) -> Condition:
        if self.at("NOT"):
            self.take()
            return Not(self.negation())
        if self.at_punct("("):
            self.take()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        field = self.field_ref()
        if self.tok.kind == "op":
            op = self.take().text
            return Comparison(field, "!=" if op == "<>" else op, (self.literal(),))
        if self.at("LIKE"):
            self.take()
            if self.tok.kind != "string":
                raise self.fail()
            return Comparison(field, "LIKE", (Literal("string", unquote(self.take().text, like=True)),))
        negated = self.at("NOT") and bool(self.take())
        self.expect_word("IN")
        return Comparison(field, "NOT IN" if negated else "IN", self.literal_list())

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        values = [self.literal()]
        while self.at_punct(","):
            self.take()
            values.append(self.literal())
        self.expect_punct(")")
        return tuple(values)

    def literal(self) -> Literal:
        token = self.take()
        if token.kind == "string":
            return Literal("string", unquote(token.text))
        if token.kind == "punct" and token.text == "-" and self.tok.kind == "number":
            return Literal("number", -_number(self.take().text))
        if token.kind == "number":
            return Literal("number", _number(token.text))
        if token.kind in ("date", "datetime"):
            return Literal(token.kind, token.text)
        if token.kind == "ident":
            return self.word_literal(token)
        raise self.fail(token)

    def word_literal(self, token: Token) -> Literal:
        word = token.upper
        if word in ("TRUE", "FALSE"):
            return Literal("boolean", word == "TRUE")
        if word == "NULL":
            return Literal("null", None)
        if self.at_punct(":"):
            self.take()
            if self.tok.kind != "number":
                raise self.fail()
            return Literal("relative", (word, int(self.take().text)))
        return Literal("relative", (word, 0))

    def order_by(self) -> tuple[OrderKey, ...]:
        self.take()
        self.expect_word("BY")
        keys = [self.order_key()]
        while self.at_punct(","):
            self.take()
            keys.append(self.order_key())
        return tuple(keys)

    def order_key(self) -> OrderKey:
        field = self.field_ref()
        descending = self.at("DESC")
        if self.at("ASC", "DESC"):
            self.take()
        nulls_last = descending
        if self.at("NULLS"):
            self.take()
            if not self.at("FIRST", "LAST"):
                raise self.fail()
            nulls_last = self.take().upper == "LAST"
        return OrderKey(field, descending, nulls_last)

    def integer_clause(self, word: str) -> int | None:
        if not self.at(word):
            return None
        self.take()
        if self.tok.kind != "number" or "." in self.tok.text:
            raise self.fail()
        return int(self.take().text)


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)
