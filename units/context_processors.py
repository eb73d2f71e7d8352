from units.permissions import roles_of


def roles(request):
    """The user's role assignments, for the navigation (cached on the user for the request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"role_assignments": roles_of(user)}
