"""The operator's commands, `flask --app app <group> <command>`: the outbox, drafts, keys,
reminders and counts (the database's own, `flask db ...`, come from Flask-Migrate).

What they print names submissions by reference, states, counts and times, never an answer,
an address or a file: their output may end up in cron mail and logs."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .reminders import send_due

outbox = AppGroup("outbox", help="Queued email: list, retry, discard, deliver.")
drafts = AppGroup("drafts", help="Stored drafts.")
keys = AppGroup("keys", help="The encryption keys of DRAFT_ENCRYPTION_KEYS.")
reminders = AppGroup("reminders", help="Follow-ups of signed-in members' claims and requests.")


def register(app: Flask) -> None:
    for group in (outbox, drafts, keys, reminders):
        app.cli.add_command(group)
    app.cli.add_command(stats)


def _app() -> Flask:
    """The app, once its database is known to be at this release's revision."""
    from flask import current_app
    problem = current_app.extensions.get("not_migrated")
    if problem:
        raise click.ClickException(problem)
    return current_app


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@outbox.command("list")
def outbox_list():
    """Each message: reference, state, tries, next try."""
    app = _app()
    postman = app.extensions["postman"]
    rows = app.extensions["store"].outbox.every_row()
    click.echo(f"{'reference':<16} {'state':<10} {'tries':>5}  next try")
    for row in rows:
        state = postman.outcome(row).status
        due = row.next_attempt_at if state == "queued" else None
        # Mail to a member (a sign-in link) has no reference: never the address, nor its key.
        name = row.reference or f"({row.purpose})"
        click.echo(f"{name:<16} {state:<10} {row.attempts:>5}  {_when(due)}")
    click.echo(f"{len(rows)} message(s)")


def _found(reference: str) -> list:
    rows = _app().extensions["store"].outbox.by_reference(reference)
    if not rows:
        raise click.ClickException(f"No message in the outbox has the reference {reference}.")
    return rows


def _unsent(reference: str, rows: list, done: int) -> None:
    """Nothing was unsent to act on: say what the message's state is instead."""
    if not done:
        states = ", ".join(sorted({_app().extensions["postman"].outcome(r).status for r in rows}))
        raise click.ClickException(f"{reference} is {states}: there is nothing unsent to act on.")


@outbox.command("retry")
@click.argument("reference")
def outbox_retry(reference):
    """Try a queued, failed or interrupted message again now (an interrupted one may have been
    sent: it goes again)."""
    rows = _found(reference)
    app = _app()
    _unsent(reference, rows, app.extensions["store"].outbox.requeue(reference))
    app.extensions["postman"].deliver_due(reference=reference)
    for row in app.extensions["store"].outbox.by_reference(reference):
        click.echo(f"{reference}: {app.extensions['postman'].outcome(row).status} "
                   f"after {row.attempts} tries")


@outbox.command("discard")
@click.argument("reference")
def outbox_discard(reference):
    """Delete a message that was not sent, so that nothing sends it (the member may still
    send it again from their page)."""
    rows = _found(reference)
    count = _app().extensions["store"].outbox.discard(reference)
    _unsent(reference, rows, count)
    click.echo(f"{reference}: {count} message(s) discarded")


@outbox.command("deliver")
def outbox_deliver():
    """Retry queued mail whose time has come."""
    count = _app().extensions["postman"].deliver_due()
    click.echo(f"{count} message(s) attempted")


@drafts.command("purge")
def drafts_purge():
    """Delete expired drafts with everything that hangs off them, and the kept packets of
    "My claims" past their time (run it from cron)."""
    app = _app()
    count = app.extensions["store"].purge_expired()
    # Sign-in links in the outbox folder go once dead; reminders stay for the operator.
    links = float(app.config["SIGN_IN_LINK_MINUTES"]) * 60
    files = app.extensions["postman"].folder.sweep(expire_member_mail={"sign-in": links})
    packets = app.extensions["store"].purge_records()
    click.echo(f"{count} expired draft(s) deleted, {files} outbox file(s) removed, "
               f"{packets} kept packet(s) past their time deleted")


@keys.command("rotate")
def keys_rotate():
    """Re-encrypt every stored value under the first (newest) key of DRAFT_ENCRYPTION_KEYS.
    In batches, each committed: safe to run again after an interruption, and while the app
    serves. Once it reports nothing unreadable, the older keys can be dropped."""
    counts = _app().extensions["store"].rekey()
    for name, c in counts.items():
        click.echo(f"{name}: {c.rotated} re-encrypted, {c.current} already under the newest key, "
                   f"{c.unreadable} unreadable")
    unreadable = sum(c.unreadable for c in counts.values())
    if unreadable:  # under a key no longer configured: dropping keys would not change that
        raise click.ClickException(f"{unreadable} value(s) are under none of the configured keys.")


@reminders.command("send")
def reminders_send():
    """Send the reminders that are due, through the outbox (the background loop does this
    too): each once, however many processes run it at the same moment."""
    counts = send_due(_app())
    click.echo(f"{counts['sent']} reminder(s) sent; settled without mail: {counts['answered']} answered, "
               f"{counts['off']} with reminders off, {counts['gone']} gone; {counts['later']} due later")
    if counts["failed"]:
        raise click.ClickException(f"{counts['failed']} reminder(s) could not be queued: they stay due.")


@click.command("stats")
@with_appcontext
def stats():
    """Finished journeys per journey per day, of those still kept (a finished journey goes
    with its draft, DRAFT_LIFETIME_HOURS after the member's last change)."""
    rows = _app().extensions["store"].submissions.finished_per_day()
    click.echo(f"{'day':<10}  {'journey':<12} {'finished':>8}")
    for day, journey, count in rows:
        click.echo(f"{day:<10}  {journey:<12} {count:>8}")
    click.echo(f"{sum(r[2] for r in rows)} finished journey(s)")
