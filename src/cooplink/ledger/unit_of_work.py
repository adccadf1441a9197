"""One transaction on the ledger: everything inside commits together or not at all."""

from sqlalchemy import Engine
from sqlalchemy.exc import DataError

from cooplink.ledger.repository import Ledger
from cooplink.vf.errors import VFError


class UnitOfWork:
    def __init__(self, engine: Engine, write: bool = True):
        self.engine = engine
        self.write = write

    def __enter__(self) -> Ledger:
        self.connection = self.engine.connect().execution_options(cooplink_write=self.write)
        self.transaction = self.connection.begin()
        self.ledger = Ledger(self.connection)
        return self.ledger

    def __exit__(self, error_type, error, traceback) -> None:
        try:
            if error_type is None and self.write:
                self.ledger.flush()
                self.transaction.commit()
            else:
                self.transaction.rollback()
        except DataError as refused:
            raise _unkeepable(refused) from refused
        finally:
            self.connection.close()
        if isinstance(error, DataError):
            raise _unkeepable(error) from error
        if error_type is None and self.write:
            for callback in self.ledger.after_commit:
                callback()


def _unkeepable(error: DataError) -> VFError:
    """A value the database cannot hold (PostgreSQL: a NUL character in text, an IRI over 500 characters) is bad
    input like any other, refused in one line, not a crash."""
    reason = str(error.orig or error).strip().splitlines()[0]
    return VFError("value", f"the database cannot keep a value given: {reason}")
