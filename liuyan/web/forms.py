"""Form plumbing of the portal: one renderer (accessible fields, an error summary) and the common field kinds."""

from typing import Any, ClassVar

from django import forms
from django.forms.renderers import DjangoTemplates

from liuyan.common.errors import LiuyanError
from liuyan.geo.models import Region
from liuyan.orgs.models import Unit
from liuyan.taxonomy.models import Category
from liuyan.web.i18n import bi, lazy_bi


class PortalRenderer(DjangoTemplates):
    """Fields render with their label, help, errors (linked by aria-describedby) and a required marker."""

    form_template_name = "web/includes/form.html"
    field_template_name = "web/includes/field.html"


RENDERER = PortalRenderer()


class PortalForm(forms.Form):
    default_renderer = RENDERER
    template_name = "web/includes/form.html"
    # Error codes of the domain function a form feeds that are about one of its fields (e.g. "invalid_phone" →
    # "contact_phone"), for errors that do not name their field in `details`.
    error_fields: ClassVar[dict[str, str]] = {}

    def set_choices(self, name: str, options: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = options

    def add_domain_error(self, error: LiuyanError) -> None:
        """Show a refused action as a form error, on the field it names when it names one."""
        text = bi(error.zh, error.en)
        field = (error.details or {}).get("field") if isinstance(error.details, dict) else None
        field = field if isinstance(field, str) and field in self.fields else self.error_fields.get(error.code)
        if isinstance(field, str) and field in self.fields:
            self.add_error(field, text)
        else:
            self.add_error(None, text)


def text(zh: str, en: str, *, required: bool = True, max_length: int | None = None, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=lazy_bi(zh, en), required=required, max_length=max_length, **kwargs)


def long_text(zh: str, en: str, *, required: bool = True, rows: int = 6, max_length: int = 10_000) -> forms.CharField:
    return forms.CharField(
        label=lazy_bi(zh, en),
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
    )


class UnitField(forms.CharField):
    """A unit by code, or by the "name (code)" text the browser's suggestion list fills in; 20,000 units do not fit
    a select box."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}))
        kwargs.setdefault("max_length", 160)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Unit | None:
        raw = (super().clean(value) or "").strip()
        if not raw:
            return None
        code = raw.rsplit("(", 1)[-1].rstrip(")").strip() if raw.endswith(")") else raw
        unit = Unit.objects.filter(code__iexact=code, is_active=True).first()
        if unit is None:
            matches = list(Unit.objects.filter(name=raw, is_active=True)[:2])
            unit = matches[0] if len(matches) == 1 else None
        if unit is None:
            raise forms.ValidationError(bi(f"找不到办理单位“{raw}”", f"no active unit '{raw}'"))
        return unit


class UnitsField(forms.CharField):
    """Several units, one code per line or separated by commas."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[Unit]:
        raw = super().clean(value) or ""
        single = UnitField(required=False)
        units = [single.clean(part) for part in raw.replace("，", ",").replace("\n", ",").split(",") if part.strip()]
        return [u for u in units if u is not None]


class MessageNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return "".join((super().clean(value) or "").split())


def category_choices(*, blank: str | None = None) -> list[tuple[Any, Any]]:
    """Active categories grouped by their first level (a select with optgroups)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in Category.objects.filter(is_active=True).order_by("path").only("pk", "path", "level"):
        top = c.path.split(" / ")[0]
        groups.setdefault(top, []).append((str(c.pk), c.path if c.level > 1 else f"{c.path}（{bi('全部', 'all')}）"))
    out: list[tuple[Any, Any]] = [("", blank)] if blank is not None else []
    out.extend((top, items) for top, items in groups.items())
    return out


def region_choices(root: Region | None, *, max_level: int = 3, blank: str | None = None) -> list[tuple[Any, Any]]:
    """The region and its subregions down to `max_level` (county), indented by level."""
    regions = Region.objects.filter(level__lte=max_level).order_by("path")
    if root is not None:
        regions = regions.filter(path__startswith=root.path)
    out: list[tuple[Any, Any]] = [("", blank)] if blank is not None else []
    base = root.level if root is not None else 1
    out.extend((r.code, "\u3000" * (r.level - base) + r.name) for r in regions.only("code", "name", "level"))
    return out
