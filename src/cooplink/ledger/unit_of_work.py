"""One transaction on the ledger: everything inside commits together or not at all."""

from sqlalchemy import Engine

from cooplink.ledger.repository import Ledger


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
        finally:
            self.connection.close()
