"""The fixtures every test folder shares (tests/ and each module's tests under modules/)."""

pytest_plugins = ["cooplink.testing"]
