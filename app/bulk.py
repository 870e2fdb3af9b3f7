"""Many rows in one statement: the store's bulk inserts, updates and counted upserts.

An executemany sends PostgreSQL one statement a row (psycopg pipelines them, but the server
still plans, runs and checks foreign keys for each): for the co-mentions and mentions of one
article that was most of the time an ingest spent storing. On PostgreSQL the rows therefore go
as one array a column through ``unnest ... WITH ORDINALITY`` (one statement, rows inserted in
the order given, so serial ids come out as an executemany gives them), and updates go as one
``UPDATE ... FROM unnest``. SQLite's executemany
runs in-process and stays as it is. The rows stored are the same either way: a column the
rows leave out gets its default, and so does a ``None`` given for a mapped class's column that
has one (as the ORM's bulk insert omits ``None`` values); given a ``Table``, ``None`` is NULL.

Engine-specific SQL lives here, behind these functions; ``tests/test_bulk.py`` runs them on
each engine.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Double,
    Float,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Unicode,
    UnicodeText,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, Select
from sqlalchemy.types import TypeEngine

# column types carried in arrays as they are (a subtype, such as an Enum, is not)
ARRAY_TYPES: frozenset[type[TypeEngine[Any]]] = frozenset({
    Integer, BigInteger, SmallInteger, Float, Double, String, Text, Unicode, UnicodeText, Boolean,
})
ORDER = "bulk_row_order"  # the rows' positions, for the serial ids' order


def table_of(model: Any) -> Table:
    table: Table = getattr(model, "__table__", model)
    return table


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows (every row with the same keys)."""
    if not rows:
        return
    mapped = hasattr(model, "__table__")
    source = _postgresql_rows(session, table_of(model), rows, none_is_default=mapped)
    if source is None:
        session.execute(insert(model), list(rows))
        return
    select_, params, columns = source
    session.execute(insert(table_of(model)).from_select(columns, select_), params)


def insert_ignoring_duplicates(session: Session, model: Any,
                               rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows, skipping those a unique key already holds (another writer's, or an
    earlier row's)."""
    if not rows:
        return
    table = table_of(model)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).on_conflict_do_nothing(), list(rows))
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        source = _postgresql_rows(session, table, rows)
        if source is None:
            session.execute(pg_insert(table).on_conflict_do_nothing(), list(rows))
            return
        select_, params, columns = source
        session.execute(
            pg_insert(table).from_select(columns, select_).on_conflict_do_nothing(), params
        )
    else:  # pragma: no cover - engines we do not run on
        from sqlalchemy.exc import IntegrityError

        for row in rows:
            try:
                with session.begin_nested():
                    session.execute(table.insert(), [row])
            except IntegrityError:
                pass


def add_to_counts(session: Session, model: Any, key: Sequence[str], count: str,
                  rows: Sequence[dict[str, Any]]) -> None:
    """Add each row's ``count`` to the row of the same ``key``, inserting the rows not there
    yet (an upsert: ``INSERT ... ON CONFLICT DO UPDATE``; the keys must be unique)."""
    if not rows:
        return
    table = table_of(model)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        upsert: Any = sqlite_insert(table)
        source = None
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        source = _postgresql_rows(session, table, rows)
        upsert = pg_insert(table)
        if source is not None:
            upsert = upsert.from_select(source[2], source[0])
    else:  # pragma: no cover - engines we do not run on
        raise NotImplementedError(f"no upsert for {dialect}")
    upsert = upsert.on_conflict_do_update(
        index_elements=[table.c[k] for k in key],
        set_={count: table.c[count] + upsert.excluded[count]},
    )
    session.execute(upsert, source[1] if source is not None else list(rows))


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` in a statement for ``session``. On PostgreSQL ``column =
    ANY(array)``: one statement text whatever the number of values, so psycopg prepares it
    after a few runs on a connection and the server plans it once (an IN list's text changes
    with its length: each run was parsed and planned again, and converted again by psycopg)."""
    array_type = _array_type(column.type)
    if session.get_bind().dialect.name == "postgresql" and array_type is not None:
        return column == any_(bindparam(None, list(values), type_=array_type))
    result: ColumnElement[bool] = column.in_(values)
    return result


Row = Mapping[str, Any]  # a given row's values, as column expressions of the statement


def update_rows(
    session: Session, model: Any, rows: Sequence[dict[str, Any]],
    types: Mapping[str, TypeEngine[Any]],
    where: Callable[[Table, Row], Any], values: Callable[[Table, Row], dict[str, Any]],
) -> None:
    """Update one row of the table per given row: ``where(table, row)`` picks it and
    ``values(table, row)`` gives its new values, ``row`` holding the given row's values (of
    the ``types`` named) as expressions. The given rows must pick different rows of the table.

    On PostgreSQL one ``UPDATE ... FROM unnest(...)`` (an executemany is bound and run on the
    server a row at a time, and costs the client a round of parameter work a row); elsewhere
    an executemany. For the few rows an article touches PostgreSQL joins by a nested loop
    over the arrays in the order given, so writers that sort their rows still lock them in
    one order, as the executemany did."""
    if not rows:
        return
    table = table_of(model)
    names = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        given: dict[str, Any] = {name: bindparam(name, type_=types[name]) for name in names}
        statement = update(table).where(where(table, given)).values(values(table, given))
        session.execute(statement, list(rows))
        return
    arrays = [bindparam(f"bulk_{name}", type_=ARRAY(types[name])) for name in names]
    source = func.unnest(*arrays).table_valued(
        *(sql_column(name, types[name]) for name in names), with_ordinality=ORDER
    ).render_derived()
    given = {name: source.c[name] for name in names}
    statement = update(table).where(where(table, given)).values(values(table, given))
    session.execute(statement, {f"bulk_{name}": [row[name] for row in rows] for name in names})


def _postgresql_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], none_is_default: bool = False
) -> tuple[Select[Any], dict[str, list[Any]], list[str]] | None:
    """On PostgreSQL, the rows as a ``SELECT`` from ``unnest`` of one array a column, its
    parameters and its columns; ``None`` elsewhere, or where the executemany would store
    what arrays do not carry (JSON) or a default not known before the insert (a timestamp
    computed in Python, a server default)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    given = list(rows[0])
    columns = list(given)
    params: dict[str, list[Any]] = {}
    for column in table.columns:
        default, name = column.default, column.name
        values = [row[name] for row in rows] if name in given else None
        if values is not None and none_is_default and None in values:
            if default is None and column.server_default is None:
                pass  # NULL, as the ORM stores it
            elif default is not None and default.is_scalar:
                arg = default.arg  # type: ignore[attr-defined]
                values = [arg if v is None else v for v in values]
            else:
                return None
        if values is None:
            if default is None:
                continue  # NULL or the server's default, as the executemany leaves it
            if not default.is_scalar:
                return None
            values = [default.arg] * len(rows)  # type: ignore[attr-defined]
            columns.append(name)
        params[f"bulk_{name}"] = values
    types = [_array_type(table.c[name].type) for name in columns]
    if any(t is None for t in types):
        return None
    arrays = [bindparam(f"bulk_{name}", type_=type_) for name, type_ in zip(columns, types,
                                                                             strict=True)]
    source = func.unnest(*arrays).table_valued(*columns, with_ordinality=ORDER)
    source = source.render_derived()
    return select(*(source.c[name] for name in columns)).order_by(source.c[ORDER]), params, \
        columns


def _array_type(type_: TypeEngine[Any]) -> ARRAY | None:
    kind = type(type_)
    if kind is DateTime:  # keeping its time zone (timestamptz[]), as its values carry one
        return ARRAY(DateTime(timezone=type_.timezone))  # type: ignore[attr-defined]
    return ARRAY(kind()) if kind in ARRAY_TYPES else None
