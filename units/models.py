"""The organisation tree (region → unit → section), the people assessed, where each is assessed, and roles.

Validation that concerns a single row and its direct references lives in ``clean()`` so the admin and the
services refuse the same things; writes go through ``units.services``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from units.validators import id_birth_date, id_sex, mask_id_number, normalise_id_number, validate_id_number


class Region(models.Model):
    """区/县: the area an organisation department (组织部) supervises."""

    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("Administrative division code."))
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class UnitCategory(models.Model):
    """单位类别: selects the indicator template (综合管理, 政法司法, 群团组织, 窗口服务 …)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("unit category")
        verbose_name_plural = _("unit categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """机关单位: the assessing body (考核主体), whose office (考核办) runs the work."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units", verbose_name=_("region"))
    category = models.ForeignKey(
        UnitCategory, on_delete=models.PROTECT, related_name="units", verbose_name=_("unit category")
    )
    code = models.CharField(_("unit code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    is_cadre_group = models.BooleanField(
        _("cadre group"),
        default=False,
        help_text=_(
            "Not a body of its own: the region's cadres managed by its committee (县管干部), whom the "
            "organisation department assesses as a group, with a ratio of 好 set by the region."
        ),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["region_id", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region")]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    """所室队 / 股室: where people sit day to day. Sections may nest inside one unit."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="sections", verbose_name=_("unit"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent section"),
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        # Its own context: "sections" is also a count's column (股室数), and the admin lists the model as 股室.
        verbose_name_plural = pgettext_lazy("model", "sections")
        ordering = ["unit_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="section_name_unique_in_unit"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="section_not_own_parent",
                violation_error_message=_("A section cannot be placed under itself or its own sub-section."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk is not None and self.unit_id is not None:
            stored_unit = Section.objects.filter(pk=self.pk).values_list("unit_id", flat=True).first()
            if stored_unit is not None and stored_unit != self.unit_id:
                raise ValidationError(
                    {"unit": gettext("A section stays in its unit; create a new section in the other unit instead.")}
                )
        if self.parent_id is None:
            return
        parent = self.parent
        if self.unit_id and parent.unit_id != self.unit_id:
            raise ValidationError(
                {"parent": gettext("The parent section belongs to another unit (%(unit)s).") % {"unit": parent.unit}}
            )
        # Walk up from the new parent: reaching this section means the move would make a cycle.
        seen = set()
        node = parent
        while node is not None and node.pk not in seen:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError(
                    {"parent": gettext("A section cannot be placed under itself or its own sub-section.")}
                )
            seen.add(node.pk)
            node = node.parent


class Person(models.Model):
    """考核对象: a civil servant (or person managed like one) who is assessed."""

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class PoliticalStatus(models.TextChoices):
        CPC_MEMBER = "cpc", _("CPC member")
        CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")
        LEAGUE = "league", _("Communist Youth League member")
        DEMOCRATIC_PARTY = "democratic_party", _("democratic party member")
        NON_PARTY = "non_party", _("non-party personage")
        MASSES = "masses", _("the masses")

    class ManagedBy(models.TextChoices):
        """Who manages the person as a cadre, and so who assesses them every quarter."""

        UNIT = "unit", _("the unit (assessed by it)")
        REGION = "region", _("the region's committee (县管干部, assessed by the organisation department)")
        HIGHER = "higher", _("a higher level (市管及以上干部, assessed there)")

    class StaffingType(models.TextChoices):
        CIVIL_SERVANT = "civil_servant", _("civil servant")
        REFERENCE = "reference", _("managed with reference to the Civil Servant Law")
        BORROWED_CAREER = "borrowed_career", _("borrowed career staff")

    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    id_number = models.CharField(
        _("ID number"),
        max_length=18,
        unique=True,
        validators=[validate_id_number],
        error_messages={"unique": _("A person with this ID number already exists.")},
    )
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    post = models.CharField(
        _("post"),
        max_length=100,
        blank=True,
        help_text=_("For example: director, deputy director, section chief, staff member."),
    )
    rank = models.CharField(
        _("rank"), max_length=50, blank=True, help_text=_("For example: first-grade principal staff member.")
    )
    duties = models.CharField(
        _("work in charge"),
        max_length=200,
        blank=True,
        help_text=_("从事或分管工作, as the annual register shows it: e.g. in charge of criminal investigation."),
    )
    post_order = models.PositiveIntegerField(
        _("post order"), default=1000, help_text=_("Registers list people in this order, lowest first.")
    )
    took_post_on = models.DateField(_("in current post since"), null=True, blank=True)
    staffing_type = models.CharField(
        _("staffing type"), max_length=20, choices=StaffingType.choices, default=StaffingType.CIVIL_SERVANT
    )
    managed_by = models.CharField(
        _("cadre management"),
        max_length=10,
        choices=ManagedBy.choices,
        default=ManagedBy.UNIT,
        help_text=_(
            "Cadres managed by the region's committee or a higher level are not assessed by their unit "
            "(seed 002 §三: 考核对象为非县管公务员)."
        ),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("home unit"),
        help_text=_("The unit that holds the person's establishment post."),
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("home section"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login account"),
    )
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["unit_id", "post_order", "id"]
        indexes = [models.Index(fields=["unit", "section"])]
        permissions = [("view_person_id_number", _("Can see the full ID number"))]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.id_number = normalise_id_number(self.id_number)
        try:
            validate_id_number(self.id_number)
        except ValidationError:
            pass  # the field validator reports it
        else:
            if self.birth_date and id_birth_date(self.id_number) != self.birth_date:
                errors["birth_date"] = gettext("The birth date does not match the ID number.")
            if self.sex and id_sex(self.id_number) != self.sex:
                errors["sex"] = gettext("The sex does not match the ID number.")
        if self.section_id and self.unit_id and self.section.unit_id != self.unit_id:
            errors["section"] = gettext("The section %(section)s does not belong to the unit %(unit)s.") % {
                "section": self.section,
                "unit": self.unit,
            }
        if errors:
            raise ValidationError(errors)


class Placement(models.Model):
    """Which unit and section assesses a person over a span of dates (seed 002 §三).

    A period's assessing unit is the placement that covers it; an away placement (seconded, borrowed,
    stationed, training) outranks the home one while it lasts. For training the assessing section is
    normally the home section, as arranged.
    """

    class Kind(models.TextChoices):
        HOME = "home", _("home")
        SECONDED = "seconded", _("seconded")
        BORROWED = "borrowed", _("borrowed")
        STATIONED = "stationed", _("stationed")
        TRAINING = "training", _("training or special task")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="placements", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="placements", verbose_name=_("assessing unit")
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("assessing section"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while it lasts."))
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("E.g. the approval document."))

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["person_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_ends_after_start",
                violation_error_code="end_before_start",
                violation_error_message=_("The end date is before the start date."),
            )
        ]
        indexes = [models.Index(fields=["unit", "start_date"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()} · {self.unit}"

    @property
    def is_away(self) -> bool:
        return self.kind != self.Kind.HOME

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def overlaps(self, other: Placement) -> bool:
        """Same side (home or away) and sharing at least one day."""
        if self.is_away != other.is_away:
            return False
        ends_before = self.end_date is not None and self.end_date < other.start_date
        starts_after = other.end_date is not None and other.end_date < self.start_date
        return not (ends_before or starts_after)

    def clean(self) -> None:
        self.clean_row()
        if self.person_id and self.start_date:
            overlapping = Placement.objects.filter(person_id=self.person_id).exclude(pk=self.pk)
            overlapping = overlapping.filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start_date))
            if self.end_date:
                overlapping = overlapping.filter(start_date__lte=self.end_date)
            self.clean_overlap(overlapping)

    def clean_row(self) -> None:
        """The checks on this row alone: the section lies in the unit, the end is not before the start."""
        if self.section_id and self.unit_id and self.section.unit_id != self.unit_id:
            raise ValidationError(
                {
                    "section": gettext("The section %(section)s does not belong to the unit %(unit)s.")
                    % {"section": self.section, "unit": self.unit}
                }
            )
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": gettext("The end date is before the start date.")})

    def clean_overlap(self, others: Iterable[Placement]) -> None:
        """Refuse a clash with ``others`` (the person's other placements, from the database or loaded by
        a caller that checks many rows at once). One home and one away placement may overlap (the away
        one wins); two of a side may not."""
        clashes = sorted(
            (o for o in others if (self.pk is None or o.pk != self.pk) and self.overlaps(o)),
            key=lambda o: (o.start_date, o.pk or 0),
        )
        if clashes:
            clash = clashes[0]
            raise ValidationError(
                gettext("This placement overlaps another one of %(person)s (%(other)s from %(start)s).")
                % {"person": self.person, "other": clash.get_kind_display(), "start": clash.start_date},
                code="overlap",
            )


def current_placements_q(today: datetime.date | None = None, prefix: str = "") -> Q:
    """Placements that give the receiving unit sight of a person now: begun, and not ended longer ago
    than PLACEMENT_GRACE_DAYS (so a quarter's results can still be finished after a secondment ends,
    e.g. Q4 results in January)."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=settings.PLACEMENT_GRACE_DAYS)
    return Q(**{f"{prefix}start_date__lte": today}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": since})
    )


class Role(models.TextChoices):
    """The roles of domain.md §2. A civil servant's own role comes from Person.user, not from here."""

    ORG = "org", _("organisation department")
    OFFICE = "office", _("assessment office")
    COMMITTEE = "committee", _("unit committee")
    PRINCIPAL = "principal", _("principal leader")
    DEPUTY = "deputy", _("deputy leader")
    SECTION_HEAD = "section_head", _("section head")


# Which kind of tree node each role may be held on.
ROLE_TARGETS: dict[str, tuple[str, ...]] = {
    Role.ORG: ("region",),
    Role.OFFICE: ("unit",),
    Role.COMMITTEE: ("unit",),
    Role.PRINCIPAL: ("unit",),
    Role.DEPUTY: ("unit", "section"),
    Role.SECTION_HEAD: ("section",),
}


class RoleAssignment(models.Model):
    """A role held by a user on exactly one node of the tree; it covers that node's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments", verbose_name=_("unit")
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("section"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, unit__isnull=True, section__isnull=True)
                    | Q(region__isnull=True, unit__isnull=False, section__isnull=True)
                    | Q(region__isnull=True, unit__isnull=True, section__isnull=False)
                ),
                name="role_on_exactly_one_node",
                violation_error_code="one_node",
                violation_error_message=_("A role is granted on one node only: choose a region, a unit or a section."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(region__isnull=False),
                name="role_unique_on_region",
                violation_error_message=_("This user already holds this role there."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="role_unique_on_unit",
                violation_error_message=_("This user already holds this role there."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "section"],
                condition=Q(section__isnull=False),
                name="role_unique_on_section",
                violation_error_message=_("This user already holds this role there."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.target}"

    @property
    def target(self) -> Region | Unit | Section | None:
        return self.region or self.unit or self.section

    @property
    def target_kind(self) -> str | None:
        for kind in ("region", "unit", "section"):
            if getattr(self, f"{kind}_id") is not None:
                return kind
        return None

    def clean(self) -> None:
        given = [kind for kind in ("region", "unit", "section") if getattr(self, f"{kind}_id") is not None]
        if not given:
            raise ValidationError(gettext("A role must be granted on a region, a unit or a section."), code="no_node")
        if len(given) > 1:
            raise ValidationError(
                gettext("A role is granted on one node only: choose a region, a unit or a section."), code="two_nodes"
            )
        allowed = ROLE_TARGETS.get(self.role, ())
        if given[0] not in allowed:
            raise ValidationError(
                {
                    given[0]: gettext("The role %(role)s cannot be held on a %(kind)s.")
                    % {"role": self.get_role_display(), "kind": gettext(given[0])}
                }
            )


class RosterImport(models.Model):
    """One imported roster file (人员名册): people, posts, sections and placements, saved whole or not at all."""

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty when the file spans regions."),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Empty when the file spans units."),
    )
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("checksum"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("people created"), default=0)
    updated = models.PositiveIntegerField(_("people updated"), default=0)
    moved = models.PositiveIntegerField(_("people moved"), default=0)
    placements = models.PositiveIntegerField(
        _("away placements"), default=0, help_text=_("Away placements created or changed.")
    )
    accounts_created = models.PositiveIntegerField(_("accounts created"), default=0)
    accounts_linked = models.PositiveIntegerField(_("accounts linked"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} · {self.imported_at:%Y-%m-%d %H:%M}"
