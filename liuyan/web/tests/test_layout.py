"""What every page shares: Chinese first with an English switch, the elderly-friendly mode, navigation by role."""

from django.test import Client

from liuyan.demo.users import LOGINS


def test_it_speaks_chinese_even_to_an_english_browser(db):
    page = Client().get("/", headers={"accept-language": "en-US,en;q=0.9"})
    html = page.content.decode()
    assert '<html lang="zh-Hans"' in html and "我要留言" in html


def test_it_switches_to_english_and_back(db):
    client = Client()
    page = client.post("/i18n/setlang/", {"language": "en", "next": "/messages/"})
    assert page.status_code == 302 and page["Location"] == "/messages/"
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html and "Write a message" in html and "我要留言" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我要留言" in client.get("/").content.decode()


def test_it_turns_the_elderly_friendly_mode_on_and_off(db):
    client = Client()
    page = client.post("/prefs/care/", {"next": "/boards/"})
    assert page.status_code == 302 and page["Location"] == "/boards/"
    assert 'class="care"' in client.get("/").content.decode()
    client.post("/prefs/care/", {"next": "/"})
    assert 'class="care"' not in client.get("/").content.decode()


def test_it_never_redirects_preferences_to_another_site(db):
    page = Client().post("/prefs/care/", {"next": "https://evil.example/"})
    assert page["Location"] == "/"


def test_it_lists_every_demo_login_on_the_login_page_in_demo_mode_only(db, settings):
    settings.DEMO_MODE = False
    assert "demo-login-reviewer" not in Client().get("/accounts/login/").content.decode()
    settings.DEMO_MODE = True
    html = Client().get("/accounts/login/").content.decode()
    for login in LOGINS:
        assert f'data-testid="demo-login-{login.login}"' in html


def test_it_shows_each_role_its_own_navigation(world):
    client = Client()
    client.force_login(world.users["dispatcher"])
    html = client.get("/").content.decode()
    assert "/work/dispatch/" in html and "/work/review/" not in html
    assert 'href="/write/"' in html  # 帮办: filing for a caller
    client.force_login(world.users["citizen"])
    html = client.get("/").content.decode()
    assert "/me/messages/" in html and "/work/" not in html


def test_it_answers_an_unknown_page_with_a_bilingual_404(db):
    page = Client().get("/no/such/page/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
