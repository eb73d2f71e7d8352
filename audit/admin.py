"""The administration pages write to the trail too: ``TrailedAdmin`` records every add, change and delete made
in a model's page and its inline rows, with the before and after of each changed field, as the services do.

The administration pages are a system administrator's (``units.admin``), so the entries say who; a page says
what each entry belongs to (``trail_scope``) so that the office and the organisation department see the changes
to their own people. A password, raw or hashed, never reaches the trail, nor does any field listed in
``trail_hidden`` (an ID number: the entry says it changed, not what to).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from audit.services import diff, entry, record_all, snapshot

HIDDEN = "(hidden)"
NEVER = frozenset({"password", "password1", "password2"})


class TrailedAdmin:
    """A ModelAdmin mixin (put it first among the bases)."""

    trail_hidden: tuple[str, ...] = ()

    def trail_scope(self, obj) -> dict[str, Any]:
        """What ``obj``'s entries belong to: ``person``, ``unit``, ``region`` (rows or keys)."""
        return {}

    def _trail_fields(self, model, names) -> list[str]:
        kept = []
        for name in names:
            if name in NEVER:
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                if name in self.trail_hidden:
                    kept.append(name)
                continue
            if field.concrete and not field.many_to_many:
                kept.append(name)
        return kept

    def _trail_changes(self, model, form, *, adding: bool) -> dict[str, list]:
        names = self._trail_fields(model, form.changed_data)
        before = {} if adding else {n: form.initial.get(n) for n in names}
        after = {n: form.cleaned_data.get(n) for n in names}
        changes = diff(before, after)
        for name in self.trail_hidden:
            if name in changes:
                changes[name] = [HIDDEN, HIDDEN]
        return changes

    def _trail_entry(self, request, obj, what: str, changes=None):
        return entry(
            action=f"{obj._meta.model_name}_{what}",
            by=request.user,
            obj=obj,
            changes=changes or {},
            comment="admin",
            **self.trail_scope(obj),
        )

    def save_model(self, request, obj, form, change):
        changes = self._trail_changes(type(obj), form, adding=not change)
        super().save_model(request, obj, form, change)
        if changes or not change:
            self._trail_entry(request, obj, "change" if change else "create", changes).save()

    def _deleted(self, request, obj):
        fields = [f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name not in NEVER]
        values = {k: (HIDDEN if k in self.trail_hidden else v) for k, v in snapshot(obj, fields).items()}
        return self._trail_entry(request, obj, "delete", diff(values, {}))

    def delete_model(self, request, obj):
        made = self._deleted(request, obj)
        super().delete_model(request, obj)
        made.save()

    def delete_queryset(self, request, queryset):
        made = [self._deleted(request, obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        record_all(made)

    def trail_formset(self, request, formset) -> Callable[[], None]:
        """Read what an inline formset is about to add, change and delete; returns what records it once saved."""
        model = formset.model
        deleted = [self._deleted(request, f.instance) for f in formset.deleted_forms if f.instance.pk]
        changed = [
            (f, f.instance.pk is None, self._trail_changes(model, f, adding=f.instance.pk is None))
            for f in formset.forms
            if f.has_changed() and f not in formset.deleted_forms
        ]

        def write() -> None:
            made = list(deleted)
            for form, adding, changes in changed:
                if form.instance.pk is not None:
                    made.append(self._trail_entry(request, form.instance, "create" if adding else "change", changes))
            record_all(made)

        return write

    def save_formset(self, request, form, formset, change):
        write = self.trail_formset(request, formset)
        super().save_formset(request, form, formset, change)
        write()
