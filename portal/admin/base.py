"""The base views every console page builds on: login required, CSRF on, rows scoped to the user's tenant.

Support staff see every tenant; a tenant admin sees only rows whose ``tenant_id`` is theirs. The scoping
lives here once, covering list, count, detail, edit, delete, export, relation selects, ajax loaders and
bulk-action ids, so no view has to remember it.
"""

from __future__ import annotations

import logging
import math
from datetime import date, datetime
from decimal import Decimal

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import BaseView
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.filters import FilterEmpty, IntEqualFilter
from flask_admin.form import BaseForm
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, literal_column
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Query
from wtforms.validators import ValidationError

from portal.extensions import db
from portal.models import Tenant
from portal.request_checks import INT32_MAX

log = logging.getLogger(__name__)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def db_int(value) -> int | None:
    """A key or number from a URL or form that an integer column can hold, else None (never sent to the database)."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and not (text.isascii() and text.isdigit()):
        return None
    try:
        number = int(text)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= INT32_MAX else None


def spreadsheet_safe(value):
    """An export cell a spreadsheet shows as text: one starting like a formula gets a leading quote (OWASP)."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    text = str(value)
    # Some spreadsheets skip leading spaces before reading a formula.
    return "'" + text if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS) else text


def _bounded(filter_class):
    """``filter_class`` refusing numbers an integer column cannot hold (Flask-Admin then ignores the filter)."""

    class Bounded(filter_class):
        def clean(self, value):
            cleaned = super().clean(value)
            for number in cleaned if isinstance(cleaned, list) else [cleaned]:
                if not -INT32_MAX - 1 <= number <= INT32_MAX:
                    raise ValueError("out of range")
            return cleaned

    Bounded.__name__ = f"Bounded{filter_class.__name__}"
    return Bounded


class FilterConverter(sqla_filters.FilterConverter):
    """Stock converters plus our UTC datetime column type; integer filters refuse out-of-range numbers."""

    int_filters = tuple(f if f is FilterEmpty else _bounded(f) for f in sqla_filters.FilterConverter.int_filters)

    @sqla_filters.filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class AdminForm(BaseForm):
    """Flask-Admin forms on Flask-WTF's CSRF (SecureForm would clash with the global CSRFProtect)."""

    class Meta(FlaskForm.Meta):
        pass


def scope_query(query, model):
    """Limit ``query`` over ``model`` to the current user's tenant (support staff: unlimited)."""
    if current_user.is_support:
        return query
    if model is Tenant:
        return query.filter(Tenant.id == current_user.tenant_id)
    if hasattr(model, "tenant_id"):
        return query.filter(model.tenant_id == current_user.tenant_id)
    abort(403)


class TenantChoices:
    """(id, name) of the tenants the current user may pick, read per request (Flask-Admin caches
    filter options at start-up, which would freeze one list for every user)."""

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        query = scope_query(db.session.query(Tenant), Tenant).order_by(Tenant.name)
        return iter([(tenant.id, tenant.name) for tenant in query])


BoundedIntEqualFilter = _bounded(IntEqualFilter)


class SecureMixin:
    """Signed-in, active users only; anonymous visitors go to the login page."""

    support_only = False

    def is_accessible(self) -> bool:
        if not (current_user.is_authenticated and current_user.is_active):
            return False
        return current_user.is_support or not self.support_only

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax relation search that only offers and accepts rows of the user's tenant."""

    def get_query(self):
        return scope_query(super().get_query(), self.model)

    def get_one(self, pk):
        pk = db_int(pk)
        return None if pk is None else self.get_query().filter(self.model_pk == pk).one_or_none()

    @property
    def model_pk(self):
        return getattr(self.model, self.pk)


class TenantScopedView(SecureMixin, ModelView):
    """A model view whose every read and write is scoped to the current user's tenant."""

    form_base_class = AdminForm
    filter_converter = FilterConverter()
    can_view_details = True
    page_size = 50
    can_set_page_size = True
    page_size_options = (25, 50, 100, 200)
    tenant_filter = True
    named_filter_urls = True

    def __init__(self, model, **kwargs):
        super().__init__(model, db, **kwargs)

    def get_filters(self):
        filters = list(super().get_filters() or [])
        if self.tenant_filter and hasattr(self.model, "tenant_id"):
            filters.append(BoundedIntEqualFilter(self.model.tenant_id, "Tenant", options=TenantChoices()))
        return filters or None

    def shown_list_columns(self):
        """The list's columns for this user: a tenant admin's rows are all their own, so no Tenant column."""
        if current_user.is_support:
            return self._list_columns
        return [(name, label) for name, label in self._list_columns if name != "tenant"]

    def _get_column_by_idx(self, idx):
        # Flask-Admin's sort links carry the index of the column as shown; resolve it the same way.
        columns = self.shown_list_columns()
        return columns[idx] if idx is not None and 0 <= idx < len(columns) else None

    def render(self, template, **kwargs):
        if "list_columns" in kwargs:  # the list page: Flask-Admin caches one column list for every user
            kwargs["list_columns"] = self.shown_list_columns()
        return super().render(template, **kwargs)

    def get_query(self):
        return scope_query(super().get_query(), self.model)

    def get_count_query(self):
        return scope_query(super().get_count_query(), self.model)

    def get_one(self, id):
        pk = db_int(id)
        return None if pk is None else self.get_query().filter(self.model.id == pk).one_or_none()

    def scoped_rows(self, ids):
        """The rows among ``ids`` the user may touch; foreign and malformed ids are dropped silently."""
        pks = [pk for pk in map(db_int, ids) if pk is not None]
        return self.get_query().filter(self.model.id.in_(pks)).all()

    @action("delete", "Delete", "Delete the selected records?")
    def action_delete(self, ids):
        # The stock action compares string ids to integer keys, which PostgreSQL (psycopg 3) refuses.
        rows = self.scoped_rows(ids)
        for row in rows:
            self.delete_model(row)
        flash(f"Deleted {len(rows)} record(s).", "success")

    def _create_ajax_loader(self, name, options):
        remote_model = getattr(self.model, name).property.mapper.class_
        return ScopedAjaxLoader(name, db, remote_model, **options)

    def create_form(self, obj=None):
        return self._scope_relation_fields(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_relation_fields(super().edit_form(obj))

    def _scope_relation_fields(self, form):
        for field in form:
            factory = getattr(field, "query_factory", None)
            if factory is not None:
                field.query_factory = _scoped_factory(factory)
        return form

    def on_model_change(self, form, model, is_created):
        if not current_user.is_support and hasattr(model, "tenant_id"):
            # Set the relationship too: a form-populated ``tenant = None`` would win at flush.
            with db.session.no_autoflush:
                model.tenant = db.session.get(Tenant, current_user.tenant_id)

    def get_export_value(self, model, name):
        return spreadsheet_safe(super().get_export_value(model, name))

    def handle_view_exception(self, exc):
        """Plain words for a failed save; the database driver's own message goes to the log, never the page."""
        if isinstance(exc, ValidationError):
            return super().handle_view_exception(exc)
        db.session.rollback()
        if isinstance(exc, IntegrityError):
            message = "another row already has these values, or a required value is missing"
        else:
            log.error("saving a %s failed", self.model.__name__, exc_info=exc)
            message = "the database refused a value"
        flash(f"Not saved: {message}. Check the fields and try again.", "error")
        return True


def _scoped_factory(factory):
    def scoped():
        query = factory()
        return scope_query(query, query.column_descriptions[0]["entity"])

    return scoped


class ReadOnlyView(TenantScopedView):
    """History and ledgers: visible, exportable, never edited by hand."""

    can_create = False
    can_edit = False
    can_delete = False
    can_export = True
    export_types = ["csv"]


class CappedCountQuery(Query):
    """A count that stops at ``cap + 1`` rows: ``count(*)`` over a LIMITed subquery, so a list of a million
    rows costs as much to count as one of ``cap``."""

    cap = 10_000

    def scalar(self):
        rows = self.with_entities(literal_column("1")).limit(self.cap + 1).subquery()
        return self.session.query(func.count()).select_from(rows).scalar()


class BoundedListMixin:
    """A list whose count is capped at ``max_listed_rows`` and whose pages end there.

    OFFSET costs as many rows as it skips, so page 5,000 of a million rows reads 250,000 of them; nobody
    reads that far in the console, they filter. Pages past the cap show the last page within it, and the
    list says the count is capped ("10,000+"). Subclasses are ``TenantScopedView``s.
    """

    max_listed_rows = 10_000

    def get_count_query(self):
        if g.get("list_without_count"):  # a query to build on (execute=False): nobody reads its count
            return None
        query = CappedCountQuery([func.count("*")], db.session).select_from(self.model)
        query.cap = self.max_listed_rows  # an instance attribute: the query's generative copies keep it
        return scope_query(query, self.model)

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        last = max(0, math.ceil(self.max_listed_rows / self.get_safe_page_size(args.page_size)) - 1)
        page = min(args.page or 0, last)  # request checks already refuse a negative page
        return args if page == args.page else args.clone(page=page)

    def get_list(self, *args, **kwargs):
        if not kwargs.get("execute", True):
            g.list_without_count = True
            try:
                return super().get_list(*args, **kwargs)
            finally:
                g.list_without_count = False
        count, rows = super().get_list(*args, **kwargs)
        g.list_count_capped = count is not None and count > self.max_listed_rows
        return (min(count, self.max_listed_rows) if count is not None else None), rows

    def render(self, template, **kwargs):
        if "list_columns" in kwargs and g.get("list_count_capped"):
            kwargs["count"] = f"{self.max_listed_rows:,}+"
            kwargs["capped_rows"] = self.max_listed_rows
        return super().render(template, **kwargs)


class SecureBaseView(SecureMixin, BaseView):
    """A custom console page (not a model list)."""
