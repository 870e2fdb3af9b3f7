"""The content revision: one counter for everything pages show, bumped by every write.

Rendered responses are kept per revision in each server worker (``app.web.serving``). A write
through any worker, the CLI or a batch job must make every worker stop serving what it kept,
at its next request and without a restart. So this counter lives in the database, and every
Session that commits a change to a table pages read bumps it in the same transaction: the
rule holds for ingest, corrections, library recomputes and deletes alike, without each writer
having to remember it. A worker reads it with one primary-key lookup per request.

Writes are noticed when the ORM flushes (new, changed or deleted objects) and when an
``insert``/``update``/``delete`` statement runs through ``Session.execute``; the bump is one
``UPDATE`` just before the outermost commit, so the row lock on PostgreSQL is held for the
commit only.
"""

from itertools import chain
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.sql.schema import Table

from app.models import ContentRevision

# Tables no page shows (the batch page is never cached): writing them changes no revision.
QUIET_TABLES = frozenset({"content_revision", "jobs", "extraction_snapshots"})
ROW_ID = 1
_CHANGED = "content_changed"


def current(conn: Connection | Session) -> int:
    """The content revision (0 before the first write)."""
    value = conn.execute(select(ContentRevision.value).where(ContentRevision.id == ROW_ID))
    return int(value.scalar_one_or_none() or 0)


def bump(session: Session) -> None:
    """Count one more change; the caller's transaction commits it."""
    done = session.execute(
        update(ContentRevision).where(ContentRevision.id == ROW_ID)
        .values(value=ContentRevision.value + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 1) == 0:  # a database made without the migration's row
        session.execute(insert(ContentRevision).values(id=ROW_ID, value=1))


def _table_name(target: Any) -> str | None:
    table = getattr(target, "__table__", target)
    return table.name if isinstance(table, Table) else None


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush: UOWTransaction) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if _table_name(type(obj)) not in QUIET_TABLES:
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = _table_name(getattr(state.statement, "table", None))
    if name not in QUIET_TABLES:  # an unknown target counts as a change
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outermost commit bumps
    session.flush()
    if session.info.pop(_CHANGED, False):
        bump(session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one ended: committed or rolled back
        session.info.pop(_CHANGED, None)
