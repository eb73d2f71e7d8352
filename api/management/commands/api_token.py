"""Create or revoke the API token of a service account: ``manage.py api_token USERNAME [--revoke]``.

The account is an ordinary user; its role assignments (units admin) limit what the token sees. A new
token is printed once: only its digest is kept. ``--revoke`` deletes every token of the account.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken

from api.services import token_issue, token_revoke


class Command(BaseCommand):
    help = "Create (printed once) or revoke the API tokens of a service account."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="Delete every token of the account.")
        parser.add_argument(
            "--create-user",
            action="store_true",
            help="Create the account (without a password: it cannot log in to the site) if it does not exist.",
        )
        parser.add_argument(
            "--days", type=int, default=settings.API_TOKEN_DAYS, help="How long the token lasts (API_TOKEN_DAYS)."
        )

    def handle(self, *args, username: str, revoke: bool, create_user: bool, days: int, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if revoke:
            if user is None:
                raise CommandError(f"No account named {username}.")
            count = token_revoke(tokens=AuthToken.objects.filter(user=user).select_related("user"))
            self.stdout.write(f"Revoked {count} token(s) of {username}.")
            return
        if user is None:
            if not create_user:
                raise CommandError(f"No account named {username}; add --create-user to create a service account.")
            user = User(username=username)
            user.set_unusable_password()
            user.save()
        if not user.is_active:
            raise CommandError(f"The account {username} is disabled.")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        _instance, token = token_issue(user=user, days=days)
        if not user.role_assignments.exists() and not user.is_superuser:
            self.stderr.write(f"{username} holds no role: the token will see nothing until roles are granted.")
        self.stdout.write(token)
