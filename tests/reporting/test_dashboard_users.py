"""The dashboard's users: salted password hashes, the users file, `dashboard add-user`, and a
server that will not start without users unless told to."""

import io
import signal
import stat

import pytest

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _environment(monkeypatch, fixture_warehouse):
    from reporting.dashboard.users import USERS_ENV

    monkeypatch.setenv(WAREHOUSE_ENV, str(fixture_warehouse))
    monkeypatch.delenv(USERS_ENV, raising=False)


def add_user(monkeypatch, users, *args: str, password: str = PASSWORD) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{password}\n"))
    return main(["dashboard", "add-user", *args, "--users", str(users), "--password-stdin"])


def test_a_password_hash_is_salted_and_verifies_only_its_password():
    from reporting.dashboard.users import hash_password, verify_password

    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and PASSWORD not in first
    assert first.startswith("scrypt:")
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "!", first)
    assert not verify_password(PASSWORD, "scrypt:not:a:hash")


def test_add_user_keeps_a_hash_in_a_file_only_its_owner_reads(monkeypatch, tmp_path, capsys):
    from reporting.dashboard.users import load_users, verify_password

    users = tmp_path / "dashboard_users.toml"
    assert add_user(monkeypatch, users, "ana", "--hubspot-user", "U2", "--admin") == 0
    assert add_user(monkeypatch, users, "ulf", "--hubspot-user", "U1",
                    password="another long one") == 0
    out = capsys.readouterr().out
    assert "Added ana (HubSpot user U2, admin)" in out
    text = users.read_text()
    assert PASSWORD not in text and PASSWORD not in out and "scrypt:" not in out
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    loaded = load_users(users)
    assert sorted(loaded) == ["ana", "ulf"]
    assert (loaded["ana"].hubspot_user, loaded["ana"].admin) == ("U2", True)
    assert (loaded["ulf"].hubspot_user, loaded["ulf"].admin) == ("U1", False)
    assert verify_password(PASSWORD, loaded["ana"].password_hash)
    assert "scrypt" not in repr(loaded["ana"])


def test_add_user_again_replaces_the_user(monkeypatch, tmp_path, capsys):
    from reporting.dashboard.users import load_users, verify_password

    users = tmp_path / "dashboard_users.toml"
    assert add_user(monkeypatch, users, "ana", "--hubspot-user", "U2", "--admin") == 0
    assert add_user(monkeypatch, users, "ana", "--hubspot-user", "U1",
                    password="a new long password") == 0
    assert "Replaced ana (HubSpot user U1)" in capsys.readouterr().out
    ana = load_users(users)["ana"]
    assert (ana.hubspot_user, ana.admin) == ("U1", False)
    assert verify_password("a new long password", ana.password_hash)


def test_add_user_says_when_the_warehouse_gives_the_hubspot_user_no_accounts(
        monkeypatch, tmp_path, capsys):
    assert add_user(monkeypatch, tmp_path / "users.toml", "eve", "--hubspot-user", "U9") == 0
    assert "HubSpot user U9 may see no ad account in the warehouse" in capsys.readouterr().out


@pytest.mark.parametrize("args, password, message", [
    (["ana", "--hubspot-user", "U2"], "tiny-pass", "a password of at least 12 characters"),
    (["an a", "--hubspot-user", "U2"], PASSWORD, "invalid user name 'an a'"),
    (["ana", "--hubspot-user", ""], PASSWORD, "invalid HubSpot user ''"),
])
def test_add_user_refuses_what_would_not_do(monkeypatch, tmp_path, capsys, args, password,
                                            message):
    users = tmp_path / "users.toml"
    assert add_user(monkeypatch, users, *args, password=password) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and password not in err
    assert not users.exists()


def test_a_users_file_that_cannot_be_read_is_one_line_naming_the_file(tmp_path):
    from reporting.dashboard.users import UsersError, load_users

    users = tmp_path / "users.toml"
    for text, problem in [
        ("[users.ana\n", "is not TOML"),
        ('[users.ana]\nhubspot_user = "U2"\n', "user ana has no password"),
        ('[users.ana]\nhubspot_user = "U2"\npassword = "plain secret"\n',
         "user ana's password is not a hash from `ads-analytics dashboard add-user`"),
    ]:
        users.write_text(text)
        with pytest.raises(UsersError) as raised:
            load_users(users)
        assert str(users) in str(raised.value) and problem in str(raised.value)
        assert "plain secret" not in str(raised.value)


def test_the_dashboard_will_not_start_without_users_unless_told_to(fixture_warehouse, tmp_path,
                                                                   capsys):
    from reporting.dashboard import command, serve
    from reporting.dashboard.users import UsersError

    previous = signal.getsignal(signal.SIGTERM)  # the command sets its own
    try:
        assert main(["dashboard", "--users", str(tmp_path / "none.toml")]) == 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"no dashboard users in {tmp_path / 'none.toml'}" in err
    assert "ads-analytics dashboard add-user" in err and "--no-auth" in err
    with pytest.raises(UsersError):
        serve(tmp_path / "elsewhere.duckdb", 8599)  # no users beside it
    assert command(8599)[command(8599).index("--server.address") + 1] == "127.0.0.1"
