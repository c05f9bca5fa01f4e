"""A confirmation page between a consequential button and what it does.

The button posts its form as before; without ``confirmed=yes`` the view answers this page, which says
exactly what will happen and posts the same fields again with ``confirmed=yes``. No script is needed,
so it works under the CSP and for keyboard and screen-reader users alike.
"""

from __future__ import annotations

from flask import request


def confirmed() -> bool:
    """Whether the posted form is the confirmation page's second post."""
    return request.form.get("confirmed") == "yes"


def confirm_page(
    view,
    *,
    title: str,
    lines: list[str],
    confirm_label: str,
    cancel_url: str,
    danger: bool = False,
    look_first: tuple[str, str] | None = None,
):
    """Render the page that asks ``title``, lists ``lines`` (what happens) and re-posts the form.

    ``look_first`` (label, url): a second button posting the same fields to ``url`` (a dry run), unconfirmed."""
    skipped = ("csrf_token", "confirmed")
    fields = [(name, value) for name, value in request.form.items(multi=True) if name not in skipped]
    return view.render(
        "admin/confirm.html",
        title=title,
        lines=lines,
        fields=fields,
        action=request.full_path,
        confirm_label=confirm_label,
        cancel_url=cancel_url,
        danger=danger,
        look_first=look_first,
    )


def refusal_page(view, *, title: str, lines: list[str], back_url: str):
    """Render why an action cannot be done yet: what is missing, each with where to fix it."""
    return view.render("admin/confirm.html", title=title, lines=lines, refused=True, cancel_url=back_url)
