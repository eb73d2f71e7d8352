from units.permissions import Action, roles_of, scope_for


def roles(request):
    """The user's role assignments and whether they see any unit, for the navigation (cached per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "role_assignments": roles_of(user),
        "sees_units": not scope_for(user, Action.VIEW).is_empty,
        "exports_registers": not scope_for(user, Action.EXPORT).is_empty,
        "runs_periods": not scope_for(user, Action.RUN_PERIOD).is_empty,
        "confirms_results": not scope_for(user, Action.CONFIRM).is_empty,
    }
