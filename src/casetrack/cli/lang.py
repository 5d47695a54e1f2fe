"""click's own usage errors (a missing option, a value not among the choices, an unknown command…) in
Japanese, for ``--lang ja`` (the default). click writes them in English; this reads what each exception
carries (the parameter, the option's name, the value typed) and says the same in Japanese. A message this
does not know stays as click wrote it."""

from __future__ import annotations

import ast
import re

import click

_NUMBER_TYPES = {"integer": "整数", "float": "数値", "boolean": "真偽値（true / false）", "UUID": "UUID"}


def _unquote(text: str) -> str:
    """``'abc'`` (a Python repr, as click quotes values) → ``abc``."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text[1:-1]
        return str(value)
    return text


def _choices(text: str) -> str:
    return "、".join(_unquote(c) for c in re.findall(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", text)) or text


def _hint(exc: click.UsageError) -> str:
    hint = getattr(exc, "param_hint", None)
    if isinstance(hint, (list, tuple)):
        return " / ".join(str(h) for h in hint)
    if hint:
        return str(hint)
    param = getattr(exc, "param", None)
    if param is not None:
        return str(param.get_error_hint(exc.ctx)).replace("'", "")
    return ""


def value_ja(message: str) -> str:
    """A parameter type's complaint about a value, in Japanese (ours already are)."""
    m = re.fullmatch(r"(.+?) is not (?:one of )?(.+)\.", message, re.S)
    if m and m[2].startswith(("'", '"')):
        return f"「{_unquote(m[1])}」は選べません（{_choices(m[2])} のいずれかです）"
    m = re.fullmatch(r"(.+?) is not a valid (integer|float|boolean|UUID)\b.*", message, re.S)
    if m:
        return f"「{_unquote(m[1])}」は{_NUMBER_TYPES[m[2]]}ではありません"
    m = re.fullmatch(r"(.+?) is not in the range (.+)\.", message, re.S)
    if m:
        return f"{_unquote(m[1])} は範囲外です（{m[2]}）"
    return message


def usage_ja(exc: click.UsageError) -> str:
    """The usage error ``exc`` in Japanese (one line)."""
    message = exc.message
    if isinstance(exc, click.MissingParameter):
        param = exc.param
        kind = exc.param_type or (param.param_type_name if param is not None else "parameter")
        name = {"argument": "引数", "option": "オプション"}.get(kind, "指定")
        return f"{name} {_hint(exc)} がありません。指定してください"
    if isinstance(exc, click.NoSuchOption):
        text = f"オプション {exc.option_name} はありません"
        if exc.possibilities:
            text += f"（もしかして：{'、'.join(sorted(exc.possibilities))}）"
        return text
    if isinstance(exc, click.BadOptionUsage):
        if "requires an argument" in message:
            return f"オプション {exc.option_name} には値が必要です"
        if "does not take a value" in message:
            return f"オプション {exc.option_name} は値を取りません"
        return message
    if isinstance(exc, click.BadParameter):
        hint = _hint(exc)
        return f"{hint} の値が正しくありません：{value_ja(message)}" if hint else value_ja(message)
    m = re.fullmatch(r"No such command (.+)\.", message)
    if m:
        return f"コマンド「{_unquote(m[1])}」はありません（casetrack --help で一覧を表示します）"
    m = re.fullmatch(r"Got unexpected extra arguments? \((.*)\)", message)
    if m:
        return f"余分な引数があります（{m[1]}）"
    return message
