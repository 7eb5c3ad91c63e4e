"""The load mix of `make load` (issue 7, item 8): signed-in demo users doing what a sales team does
all day. Reads dominate (lists with searches, record pages, boards, the decisions inbox); writes are
lead capture and follow-up activities through the API.

Run by ``bench/load.py`` against a production server on 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

from locust import HttpUser, between, task

from openltc.core.demo import DEMO_PASSWORD

# Demo people with the widest mix of scopes: reps (own), managers (subtree), company roles.
USERS = ["sh.ar", "gz.ar", "hz.ar", "sh.manager", "gz.manager", "east.vp", "leads.east", "finance", "ceo"]
SEARCHES = ["华为", "Acme", "138", "网络", "upgrade", "上海", "数据", "@"]
_user_cycle = itertools.cycle(USERS)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SalesUser(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.username = next(_user_cycle)
        page = self.client.get("/accounts/login/", name="login page")
        match = CSRF_INPUT.search(page.text)
        token = match.group(1) if match else ""
        self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
        )
        self.csrf = self.client.cookies.get("csrftoken", "")
        me = self.client.get("/api/v1/org/me", name="API me")
        self.user_id = me.json().get("id") if me.ok else None
        self.lead_ids: list[str] = []  # leads this user can see (record pages)
        self.own_ids: list[str] = []  # leads this user captured and owns (follow-ups: the owner's work)
        listing = self.client.get("/api/v1/leads?page_size=50", name="API list leads")
        if listing.ok:
            items = listing.json()
            items = items.get("items", items) if isinstance(items, dict) else items
            self.lead_ids = [str(row["id"]) for row in items]

    def _api_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf, "Referer": f"{self.host}/"}

    @task(6)
    def lead_list_search(self) -> None:
        self.client.get(f"/leads/?q={random.choice(SEARCHES)}", name="lead list (search)")

    @task(3)
    def lead_list(self) -> None:
        self.client.get("/leads/", name="lead list")

    @task(4)
    def lead_page(self) -> None:
        if self.lead_ids:
            self.client.get(f"/leads/{random.choice(self.lead_ids)}/", name="lead page")

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="my work")

    @task(2)
    def opportunity_board(self) -> None:
        self.client.get("/opportunities/board/", name="opportunity board")

    @task(2)
    def opportunity_list(self) -> None:
        self.client.get("/opportunities/", name="opportunity list")

    @task(1)
    def decisions_inbox(self) -> None:
        self.client.get("/decisions/", name="decisions inbox")

    @task(1)
    def contracts(self) -> None:
        self.client.get("/contracts/", name="contract list")

    @task(1)
    def customers(self) -> None:
        self.client.get(f"/customers/?q={random.choice(SEARCHES)}", name="customer list (search)")

    @task(3)
    def capture_lead(self) -> None:
        n = random.randint(1, 10**9)
        payload: dict[str, Any] = {
            "title": f"负载测试线索 load lead {n}",
            "source": random.choice(["campaign", "exhibition", "web", "referral"]),
            "company_name": f"Load Customer {n % 500}",
            "contact_name": "王经理",
            "contact_email": f"load{n}@example.com",
            "estimated_value": str(random.randint(10, 5000) * 1000),
            "currency": "CNY",
        }
        if self.username.endswith(".ar") and self.user_id is not None:
            payload["owner_id"] = (
                self.user_id
            )  # a rep captures for themselves; others leave it to distribution
        response = self.client.post(
            "/api/v1/leads", json=payload, headers=self._api_headers(), name="API capture lead"
        )
        if response.status_code == 201:
            lead = response.json()
            self.lead_ids.append(str(lead["id"]))
            # Distribution may hand the captured lead to someone else; then its follow-ups are
            # theirs, and a 403 for this user would be right, not a failure of the run.
            if lead.get("owner_id") == self.user_id:
                self.own_ids.append(str(lead["id"]))

    @task(2)
    def log_activity(self) -> None:
        # Follow-ups on leads the user captured and owns: a company-wide viewer (finance, the CEO)
        # may read every lead but not log activities on other people's (403, rightly).
        if not self.own_ids:
            return
        lead_id = random.choice(self.own_ids)
        with self.client.post(
            f"/api/v1/leads/{lead_id}/activities",
            json={"kind": "call", "summary": "电话跟进 follow-up call", "outcome": "positive"},
            headers=self._api_headers(),
            name="API log activity",
            catch_response=True,
        ) as response:
            # A lead another user closed meanwhile refuses new activities: a business answer.
            if response.status_code in (200, 201, 409, 422):
                response.success()
