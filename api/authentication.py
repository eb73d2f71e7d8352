"""Token authentication of service accounts (django-rest-knox: only a digest of each token is stored)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

from accounts.middleware import password_change_required


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's scheme, with a token that is not text refused as invalid (401) instead of failing (500), and the
    token of an account that must still change its password refused (403) until it has, as the site refuses its
    session (accounts.middleware.ForcePasswordChangeMiddleware)."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        user, auth_token = super().authenticate_credentials(token)
        if user.must_change_password:
            raise exceptions.PermissionDenied(password_change_required(), code="password_change_required")
        return user, auth_token


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _('A service-account token, sent as "Token <token>".'),
        }
