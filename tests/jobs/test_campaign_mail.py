"""Campaign mail on the queue's real storage: the invitations wait for a worker, which records and delivers one
personal mail per member; the hourly reminder task is scheduled for every worker."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from factories import credit_code, drain, make_user
from jobs import campaigns as campaign_jobs
from jobs.queue import queue
from storage.campaigns import ListedEnterprise, add_members, create_campaign
from storage.tables import Campaign, CampaignMember, MailMessage


def test_invitations_wait_for_a_worker_then_each_member_gets_its_mail(queued_app):
    app = queued_app
    owner = make_user(app, "consultant")
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        campaign = create_campaign(session=session, owner=owner, name="Clients", questionnaire=app.extensions[
            "questionnaires"].get("quick_check"), period=2026, deadline=date.today() + timedelta(days=10),
            reminder_days=[7], language="en")  # fmt: skip
        add_members(session=session, campaign=campaign, secret_key=app.config["SECRET_KEY"], listed=[
            ListedEnterprise(n, f"Client {n}", credit_code(n), "370200", "34", "discrete", "small", f"c{n}@example.org")
            for n in range(4)])
        campaign_jobs.send_invitations(campaign.id)
    assert queue.pending_count() == 1  # the invitations themselves wait for a worker
    # the worker: the invitation task, then the deliveries it queued
    assert drain(app) >= 2 and queue.pending_count() == 0
    with Session(app.extensions["db_engine"]) as session:
        messages = session.exec(select(MailMessage).order_by(MailMessage.id)).all()
        members = session.exec(select(CampaignMember).order_by(CampaignMember.id)).all()
        assert session.get(Campaign, campaign.id).status == "running"
    assert [(m.to, m.status, m.ref) for m in messages] == [
        (f"c{n}@example.org", "sent", f"member:{member.id}") for n, member in enumerate(members)]
    assert all(member.invited_at is not None for member in members)


def test_the_reminders_run_every_hour_in_every_worker():
    def due(moment: datetime) -> bool:
        return any(isinstance(task, campaign_jobs.send_reminders.task_class) for task in queue.read_periodic(moment))

    assert all(due(datetime(2026, 1, 1, hour, 0)) for hour in range(24))
    assert not due(datetime(2026, 1, 1, 9, 30))
