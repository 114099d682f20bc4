"""Staff accounts, sessions and sign-in throttling (qa/staff/accounts.py, qa/staff/sessions.py), each on SQLite
and on PostgreSQL (the ``database_url`` fixture)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from qa.cli import main
from qa.staff import accounts, sessions
from qa.staff.db import Store, login_failures, staff
from qa.staff.db import sessions as session_table

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(database_url, clock):
    s = Store(database_url, clock=clock)  # for SQLite, in a folder that does not exist yet
    yield s
    s.close()


def test_add_list_remove(store):
    accounts.add(store, "Alice", PASSWORD)
    accounts.add(store, "bob", PASSWORD)
    assert [m.name for m in accounts.members(store)] == ["alice", "bob"]
    with pytest.raises(accounts.AccountError, match="already"):
        accounts.add(store, "ALICE", PASSWORD)
    accounts.remove(store, "alice")
    assert [m.name for m in accounts.members(store)] == ["bob"]
    with pytest.raises(accounts.AccountError, match="no account"):
        accounts.remove(store, "alice")


@pytest.mark.parametrize("name", ["", " ", "-x", "a b", "x" * 65, "ali/ce"])
def test_bad_names_are_refused(store, name):
    with pytest.raises(accounts.AccountError):
        accounts.add(store, name, PASSWORD)


def test_password_rules_and_long_passwords(store):
    with pytest.raises(accounts.AccountError, match="at least"):
        accounts.add(store, "short", "x" * 11)
    with pytest.raises(accounts.AccountError, match="at most"):
        accounts.add(store, "huge", "x" * 1025)
    long_password = "ünïcødé and spaces " * 20  # 380 characters
    accounts.add(store, "long", long_password)
    assert accounts.authenticate(store, "long", long_password, 5, 900).name == "long"
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(store, "long", long_password[:-1], 5, 900)


def test_passwords_are_stored_as_argon2id_with_owasp_parameters_or_stronger(store):
    accounts.add(store, "alice", PASSWORD)
    with store.begin() as conn:
        digest = conn.execute(select(staff.c.password_hash)).scalar_one()
    assert digest.startswith("$argon2id$") and PASSWORD not in digest
    params = dict(p.split("=") for p in digest.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2  # OWASP: 19 MiB, 2 iterations


def test_a_weak_hash_is_upgraded_at_sign_in(store):
    accounts.add(store, "alice", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with store.begin() as conn:
        conn.execute(update(staff).values(password_hash=weak))
    accounts.authenticate(store, "alice", PASSWORD, 5, 900)
    with store.begin() as conn:
        assert conn.execute(select(staff.c.password_hash)).scalar_one() != weak


def test_unknown_name_and_wrong_password_are_the_same_refusal(store):
    accounts.add(store, "alice", PASSWORD)
    with pytest.raises(accounts.LoginRefused) as unknown:
        accounts.authenticate(store, "mallory", PASSWORD, 5, 900)
    with pytest.raises(accounts.LoginRefused) as wrong:
        accounts.authenticate(store, "alice", "not the password", 5, 900)
    assert str(unknown.value) == str(wrong.value)


def test_failures_throttle_a_name_until_the_window_passes(store, clock):
    accounts.add(store, "alice", PASSWORD)
    for _ in range(3):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "alice", "wrong password!", 3, 900)
    with pytest.raises(accounts.LoginThrottled) as throttled:
        accounts.authenticate(store, "alice", PASSWORD, 3, 900)  # even the right password waits
    assert 0 < throttled.value.retry_after <= 900
    clock.t += 901
    assert accounts.authenticate(store, "alice", PASSWORD, 3, 900).name == "alice"


def test_unknown_names_are_throttled_too(store):
    for _ in range(2):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "nobody", "whatever password", 2, 900)
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(store, "nobody", "whatever password", 2, 900)


def test_success_clears_earlier_failures(store):
    accounts.add(store, "alice", PASSWORD)
    for _ in range(2):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "alice", "wrong password!", 3, 900)
    accounts.authenticate(store, "alice", PASSWORD, 3, 900)
    for _ in range(2):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "alice", "wrong password!", 3, 900)
    assert accounts.authenticate(store, "alice", PASSWORD, 3, 900).name == "alice"


def test_sessions_store_only_a_hash_and_rotate(store):
    member = accounts.add(store, "alice", PASSWORD)
    first = sessions.start(store, member.id, idle=600)
    second = sessions.start(store, member.id, idle=600, replacing=first.token)
    assert first.token != second.token and first.session.csrf != second.session.csrf
    with pytest.raises(sessions.NotSignedIn):
        sessions.load(store, first.token, 600)
    assert sessions.load(store, second.token, 600).staff_name == "alice"
    with store.begin() as conn:
        stored = conn.execute(select(session_table.c.token_hash)).scalars().all()
    assert second.token not in stored and len(stored) == 1


def test_sessions_end_after_idle_time_and_each_request_extends_them(store, clock):
    member = accounts.add(store, "alice", PASSWORD)
    token = sessions.start(store, member.id, idle=600).token
    clock.t += 590
    sessions.load(store, token, 600)  # in use: the idle time starts again
    clock.t += 590
    sessions.load(store, token, 600)
    clock.t += 601
    with pytest.raises(sessions.NotSignedIn) as ended:
        sessions.load(store, token, 600)
    assert ended.value.expired
    with pytest.raises(sessions.NotSignedIn):
        sessions.load(store, token, 600)  # and it is gone


def test_sessions_have_an_absolute_lifetime(store, clock):
    member = accounts.add(store, "alice", PASSWORD)
    token = sessions.start(store, member.id, idle=3600).token
    for _ in range(sessions.ABSOLUTE_SECONDS // 3000):
        clock.t += 3000
        sessions.load(store, token, 3600)
    clock.t += 3000
    with pytest.raises(sessions.NotSignedIn):
        sessions.load(store, token, 3600)


def test_removing_an_account_ends_its_sessions(store):
    member = accounts.add(store, "alice", PASSWORD)
    token = sessions.start(store, member.id, idle=600).token
    accounts.remove(store, "alice")
    with pytest.raises(sessions.NotSignedIn):
        sessions.load(store, token, 600)


def test_csrf_and_login_nonce_checks(store):
    member = accounts.add(store, "alice", PASSWORD)
    session = sessions.start(store, member.id, idle=600).session
    sessions.verify_csrf(session, session.csrf)
    for bad in (None, "", session.csrf[:-1], "x" + session.csrf):
        with pytest.raises(sessions.CsrfRefused):
            sessions.verify_csrf(session, bad)
    nonce = sessions.login_nonce()
    sessions.verify_login_nonce(nonce, nonce)
    for cookie, sent in ((nonce, sessions.login_nonce()), (None, nonce), (nonce, None), ("abc", "abc")):
        with pytest.raises(sessions.CsrfRefused):
            sessions.verify_login_nonce(cookie, sent)


def test_cli_add_list_remove(database_url, monkeypatch, capsys):
    monkeypatch.setenv("QA_DATABASE_URL", database_url)
    from qa.config import get_settings

    get_settings.cache_clear()
    try:
        answers = iter([PASSWORD, PASSWORD])
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
        assert main(["staff", "add", "Alice"]) == 0
        answers = iter([PASSWORD, PASSWORD + "x"])
        assert main(["staff", "add", "bob"]) == 1
        assert "differ" in capsys.readouterr().err
        answers = iter(["short"])
        assert main(["staff", "add", "bob"]) == 1
        assert main(["staff", "list"]) == 0
        out = capsys.readouterr().out
        assert "alice" in out and "bob" not in out and "1 account(s)" in out
        assert main(["staff", "remove", "alice"]) == 0
        assert main(["staff", "remove", "alice"]) == 1
        assert "no account named 'alice'" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_a_database_url_without_its_driver_fails_on_use_with_the_fix(monkeypatch):
    import sys

    from qa.staff.db import Store, StoreUnavailableError

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed: importing it raises ImportError
    store = Store("postgresql+psycopg://staff:secret@127.0.0.1:1/staff")  # constructing touches nothing
    with pytest.raises(StoreUnavailableError, match=r"psycopg is not installed.*windham-answers\[postgres\]") as e:
        with store.begin():
            pass
    assert "secret" not in str(e.value)


def test_a_malformed_database_url_is_refused_at_once():
    from qa.staff.db import Store, StoreUnavailableError

    with pytest.raises(StoreUnavailableError, match="QA_DATABASE_URL is not a database URL"):
        Store("notaurl")


def test_a_database_other_than_sqlite_or_postgresql_is_refused_with_the_fix():
    from qa.staff.db import Store, StoreUnavailableError

    store = Store("mysql+pymysql://staff:secret@127.0.0.1/staff")
    with pytest.raises(StoreUnavailableError, match=r"neither SQLite nor PostgreSQL.*QA_DATABASE_URL") as e:
        accounts.members(store)
    assert "secret" not in str(e.value)


def test_parallel_wrong_guesses_are_throttled_at_exactly_the_limit(database_url, clock):
    """Sixteen guessers at once, each with its own engine and connection (as separate worker processes
    would be), against a limit of five: exactly five reach the password check and are recorded, the
    other eleven are throttled. Unlocked, on PostgreSQL, several counted the same four failures."""
    import threading

    setup = Store(database_url)
    accounts.add(setup, "alice", PASSWORD)
    setup.close()
    outcomes: list[str] = []
    start = threading.Barrier(16)

    def guess() -> None:
        store = Store(database_url, clock=clock)
        try:
            start.wait()
            accounts.authenticate(store, "alice", "wrong password guess", max_failures=5, window=900)
        except accounts.LoginThrottled:
            outcomes.append("throttled")
        except accounts.LoginRefused:
            outcomes.append("checked")
        finally:
            store.close()

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["checked"] * 5 + ["throttled"] * 11
    check = Store(database_url)
    with check.begin() as conn:
        assert len(conn.execute(select(login_failures)).all()) == 5
    check.close()


def test_a_name_backs_off_softly_so_guessing_cannot_lock_its_owner_out(store, clock):
    accounts.add(store, "alice", PASSWORD)
    for _ in range(5):  # an attacker's five guesses
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "alice", "a wrong guess, twelve+", 5, 900)
    with pytest.raises(accounts.LoginThrottled) as first:
        accounts.authenticate(store, "alice", PASSWORD, 5, 900)
    assert first.value.retry_after == accounts.BACKOFF  # a minute, not the whole window
    clock.t += accounts.BACKOFF
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(store, "alice", "one more wrong guess!", 5, 900)
    with pytest.raises(accounts.LoginThrottled) as second:
        accounts.authenticate(store, "alice", PASSWORD, 5, 900)
    assert second.value.retry_after == 2 * accounts.BACKOFF  # each further failure doubles the wait
    clock.t += 2 * accounts.BACKOFF
    assert accounts.authenticate(store, "alice", PASSWORD, 5, 900).name == "alice"


def test_unlock_forgets_a_names_failures(store):
    accounts.add(store, "alice", PASSWORD)
    for _ in range(3):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "alice", "a wrong guess, twelve+", 3, 900)
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(store, "alice", PASSWORD, 3, 900)
    assert accounts.unlock(store, "Alice") == 3 and accounts.unlock(store, "alice") == 0
    assert accounts.authenticate(store, "alice", PASSWORD, 3, 900).name == "alice"


def test_a_client_is_throttled_in_memory_by_a_salted_hash_of_its_address(clock):
    from qa.staff.throttle import ClientThrottle

    throttle = ClientThrottle(3, 900, clock=lambda: clock.t)
    for _ in range(3):
        assert throttle.retry_after("198.51.100.7") is None
        throttle.record("198.51.100.7")
    assert throttle.retry_after("198.51.100.7") == 901
    assert throttle.retry_after("203.0.113.9") is None  # another client is not affected
    assert all(b"198.51.100.7" not in key and len(key) == 16 for key in throttle._events)
    clock.t += 901
    assert throttle.retry_after("198.51.100.7") is None
    throttle.record("203.0.113.9")
    throttle.forget("203.0.113.9")
    assert throttle.retry_after("203.0.113.9") is None


def test_the_database_file_is_private_and_overwrites_what_it_deletes(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/data/staff.db")
    accounts.add(store, "alice", PASSWORD)
    assert (tmp_path / "data" / "staff.db").stat().st_mode & 0o777 == 0o600
    with store.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    store.close()


def test_a_failed_sign_in_keeps_a_hash_of_the_name_typed_never_the_text(store):
    typed = "my-secret-password-typed-in-the-name-box"
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(store, typed, "x", 5, 900)
    with store.begin() as conn:
        kept = [row.name for row in conn.execute(select(login_failures))]
    assert kept == [accounts.failure_key(typed)] and typed not in kept[0] and len(kept[0]) == 64
    assert accounts.unlock(store, typed) == 1  # unlock finds it by the same hash
