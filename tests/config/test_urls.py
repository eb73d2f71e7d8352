"""The site's own addresses outside the apps."""

from django.templatetags.static import static


def test_the_favicon_answers_with_the_vendored_icon_and_every_page_names_it(client, admin):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url == static("favicon.svg")
    client.force_login(admin)
    assert f'rel="icon" href="{static("favicon.svg")}"' in client.get("/").content.decode()
