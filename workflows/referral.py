"""Arbitration / litigation / legal-aid referral 移送仲裁、诉讼、法律援助 (DESIGN.md §4.4).

Started when `refer` commits with a target organisation in the system. The mediating
body only advises: the parties file, so an arbitration commission or a court first
records the party's filing (referral.filing), and its clocks start on that day — labour
arbitration decides acceptance within 5 days (LDMAL art 29), a court decides on filing
within 7 (CPL art 126). The body then acknowledges and later records its result, which
closes the case (record_result); a labour award is due 45 days after acceptance, with
one extension of at most 15 (LDMAL art 43). A legal aid centre receives the application
and decides within 7 days of the referral whether to grant aid (《中华人民共和国法律援助法》
第四十三条): 给予援助 or 不予援助 with the reason.
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.law import clocks
from mediation.law.choices import Category, HandoffKind, ReferRoute, State
from mediation.law.limits import Stage

from .common import DecisionForm, FlowBase, iso, parse_iso, today
from .nodes import CaseTaskNode

# The routes whose receiving body's clock starts when the party files there.
FILED_ROUTES = (ReferRoute.ARBITRATION, ReferRoute.LITIGATION)


class FilingForm(DecisionForm):
    filed_on = forms.DateField(label=gettext_lazy("当事人提交申请（起诉）日期"))
    number = forms.CharField(label=gettext_lazy("收件编号"), max_length=64, required=False)

    def clean_filed_on(self):
        day = self.cleaned_data["filed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("提交日期不能晚于今天"))
        referred = self.task.process.coerced.handoff.opened_at
        if day < timezone.localdate(referred):
            raise forms.ValidationError(_("提交日期不能早于移送日期"))
        return day


class ExtendAwardForm(DecisionForm):
    days = forms.IntegerField(label=gettext_lazy("延长天数"), min_value=1)
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=2000)

    def clean_days(self):
        award = self.task.process.coerced.data.get("award") or {}
        stage = award.get("stage") or Stage.LABOUR_ARBITRATION_AWARD
        limit = clocks.rule(stage).extension
        if self.cleaned_data["days"] > limit:
            law = (
                _("《农村土地承包经营纠纷调解仲裁法》第四十八条")
                if stage == Stage.LAND_ARBITRATION_AWARD
                else _("《劳动争议调解仲裁法》第四十三条")
            )
            raise forms.ValidationError(
                _("延长期限不得超过%(days)d日（%(law)s）") % {"days": limit, "law": law}
            )
        return self.cleaned_data["days"]


class AcceptForm(DecisionForm):
    # The mediating body only advises the route; the party files, and the receiving body
    # records that filing here (its own clocks run from it).
    filed_on = forms.DateField(label=gettext_lazy("当事人申请（起诉）日期"), required=False)
    number = forms.CharField(label=gettext_lazy("受理案号"), max_length=64, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False)


class DeclineForm(DecisionForm):
    reason = forms.CharField(label=gettext_lazy("不予受理理由"), max_length=2000)


class ResultForm(DecisionForm):
    result = forms.CharField(label=gettext_lazy("处理结果"), max_length=4000)


class ReceiveForm(DecisionForm):
    number = forms.CharField(label=gettext_lazy("申请编号"), max_length=64, required=False)


class GrantForm(DecisionForm):
    note = forms.CharField(
        label=gettext_lazy("援助安排（如指派的律师）"), max_length=2000, required=False
    )


class RefuseAidForm(DecisionForm):
    reason = forms.CharField(label=gettext_lazy("不予援助理由"), max_length=2000)


class ReferralFlow(FlowBase, flow.Flow):
    """移送仲裁/诉讼"""

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=gettext_lazy("移送"))
        .Next(this.needs_filing)
    )
    needs_filing = (
        flow.If(this.party_files)
        .Annotation(title=gettext_lazy("是否须当事人申请（起诉）"))
        .Then(this.filing)
        .Else(this.acknowledge)
    )
    filing = (
        CaseTaskNode(
            "referral.filing",
            org=this.target_of,
            forms=[("record", FilingForm)],
            handler=this.on_filing,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("接收机构登记当事人申请"))
        .Next(this.acknowledge)
    )
    acknowledge = (
        CaseTaskNode(
            "referral.acknowledge",
            org=this.target_of,
            due=this.acknowledge_due,
            # A legal-aid centre's "accept" is a receipt only (ReceiveForm).
            forms=[("accept", AcceptForm), ("decline", DeclineForm), ("accept", ReceiveForm)],
            decisions=this.acknowledge_decisions,
            handler=this.on_acknowledge,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("接收机构决定是否受理（法律援助中心：收到申请）"))
        .Next(this.is_accepted)
    )
    is_accepted = (
        flow.If(this.accepted)
        .Annotation(title=gettext_lazy("是否受理"))
        .Then(this.result)
        .Else(this.end)
    )
    result = (
        CaseTaskNode(
            "referral.result",
            org=this.target_of,
            due=this.result_due,
            forms=[
                ("record", ResultForm),
                ("extend", ExtendAwardForm),
                ("grant", GrantForm),
                ("refuse", RefuseAidForm),
            ],
            decisions=this.result_decisions,
            handler=this.on_result,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("登记处理结果（法律援助中心：是否给予援助）"))
        .Next(this.is_extended)
    )
    is_extended = (
        flow.If(this.just_extended)
        .Annotation(title=gettext_lazy("是否延长裁决期限"))
        .Then(this.result)
        .Else(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("移送结束"))

    def start_process(self, activation, case, actor, now):
        process = activation.process
        process.case = case
        aid = clocks.clock(Stage.LEGAL_AID_REVIEW, now) if self._is_aid(case) else None
        process.handoff = services.open_handoff(
            case,
            HandoffKind(case.referral_route),
            case.referral_org,
            actor,
            now,
            due_at=aid.due if aid else None,
            data={"clock": clocks.clock_json(aid)} if aid else None,
        )
        return process

    @staticmethod
    def _is_aid(case) -> bool:
        return case.referral_route == ReferRoute.LEGAL_AID

    def _legal_aid(self, process) -> bool:
        return self._is_aid(process.case)

    def _aid_clock(self, process):
        """The 7 days of 法律援助法 art 43 run from the referral, not from the receipt."""
        c = process.handoff.data.get("clock") or {}
        if not c:
            return process.handoff.due_at
        start, due = parse_iso(c["start"]), parse_iso(c["due"])
        return clocks.fixed_clock(Stage.LEGAL_AID_REVIEW, start, due, c["basis"], c["unit"])

    @staticmethod
    def _arbitration_stages(case) -> tuple[str, str] | None:
        """The statutory clocks of the commission the case went to: labour (LDMAL arts
        29, 43) or rural land contract (农村土地承包经营纠纷调解仲裁法 arts 24, 48)."""
        if case.referral_route != ReferRoute.ARBITRATION:
            return None
        if case.category == Category.LABOR:
            return Stage.LABOUR_ARBITRATION_ACCEPT, Stage.LABOUR_ARBITRATION_AWARD
        if case.category == Category.LAND_CONTRACT:
            return Stage.LAND_ARBITRATION_ACCEPT, Stage.LAND_ARBITRATION_AWARD
        return None

    def _acknowledge_clock(self, case, filed_at):
        if filed_at is None:
            return None
        stages = self._arbitration_stages(case)
        if stages is not None:
            return clocks.clock(stages[0], filed_at)
        if case.referral_route == ReferRoute.LITIGATION:
            return clocks.clock(Stage.LITIGATION_FILING, filed_at)
        return None

    def party_files(self, activation):
        return activation.process.case.referral_route in FILED_ROUTES

    def target_of(self, process):
        return process.case.referral_org_id

    def acknowledge_due(self, process, prev, now):
        if self._legal_aid(process):
            return self._aid_clock(process)
        return self._acknowledge_clock(process.case, parse_iso(process.data.get("filed_at")))

    def result_due(self, process, prev, now):
        if self._legal_aid(process):
            return self._aid_clock(process)
        award = process.data.get("award")
        if not award:
            return None
        counted = clocks.clock_from_json(award)  # counted again when the calendar changes
        if counted is not None:
            return counted
        return clocks.fixed_clock(
            award.get("stage") or Stage.LABOUR_ARBITRATION_AWARD,
            parse_iso(award["start"]),
            parse_iso(award["due"]),
            award["basis"],
            award["unit"],
        )

    def on_filing(self, activation, user, decision, data, now):
        process, handoff = activation.process, activation.process.handoff
        filed_on = data["filed_on"]
        # The party's filing day starts the clock; the day itself is not counted.
        filed_at = timezone.make_aware(dt.datetime.combine(filed_on, dt.time(9)))
        process.data.update(filed_at=iso(filed_at), filing_number=data.get("number") or "")
        process.save(update_fields=["data"])
        ack = self._acknowledge_clock(process.case, filed_at)
        record = {"filed_on": filed_on.isoformat()}
        if ack is not None:
            record["clock"] = clocks.clock_json(ack)
        services.update_handoff(handoff, record, due_at=ack.due if ack else None)
        return {"filed_on": filed_on.isoformat(), "due_at": iso(handoff.due_at)}

    def acknowledge_decisions(self, task):
        if self._legal_aid(task.process.coerced):
            # Receipt only: whether to grant aid is the decision of the result step.
            return {"accept": ReceiveForm}
        return {"accept": AcceptForm, "decline": DeclineForm}

    def result_decisions(self, task):
        if self._legal_aid(task.process.coerced):
            return {"grant": GrantForm, "refuse": RefuseAidForm}
        out = {"record": ResultForm}
        data = task.process.coerced.data
        if data.get("award") and not data.get("award_extended"):
            out["extend"] = ExtendAwardForm
        return out

    def just_extended(self, activation):
        prev = activation.task.previous.order_by("-pk").first()
        return bool(prev and prev.coerced.decision.get("decision") == "extend")

    def accepted(self, activation):
        return bool(activation.process.data.get("accepted_at"))

    def on_acknowledge(self, activation, user, decision, data, now):
        process = activation.process
        handoff = process.handoff
        if decision == "accept":
            process.data.update(accepted_at=iso(now), number=data.get("number") or "")
            process.save(update_fields=["data"])
            filed_on = data.get("filed_on")
            if filed_on and filed_on > today(now):
                raise InvalidFields(_("提交的内容有误"), {"filed_on": [_("申请日期不得晚于今天")]})
            record = {
                "accepted_at": iso(now),
                "filed_on": filed_on.isoformat() if filed_on else None,
            }
            due_at = handoff.due_at if self._legal_aid(process) else None
            stages = self._arbitration_stages(process.case)
            if stages is not None:
                award = clocks.clock(stages[1], now)
                process.data["award"] = clocks.clock_json(award)
                process.save(update_fields=["data"])
                record["clock"] = process.data["award"]
                due_at = award.due
            services.update_handoff(
                handoff, record, external_number=data.get("number") or "", due_at=due_at
            )
            return {"number": handoff.external_number, "due_at": iso(handoff.due_at)}
        result = _("不予受理：%(reason)s") % {"reason": data["reason"]}
        services.perform(process.case_id, "record_result", user, {"result": result}, now=now)
        services.close_handoff(handoff, "declined", now)
        return {}

    def on_result(self, activation, user, decision, data, now):
        process = activation.process
        if decision == "extend":
            award = process.data["award"]
            stage = award.get("stage") or Stage.LABOUR_ARBITRATION_AWARD
            # From the period's original end (a clock that kept its count), not the
            # working day it may have rolled to.
            current = clocks.clock_from_json(award) or parse_iso(award["due"])
            longer = clocks.extended(stage, current, days=data["days"])
            process.data["award"] = {**clocks.clock_json(longer), "start": award["start"]}
            process.data["award_extended"] = {"days": data["days"], "reason": data["reason"]}
            process.save(update_fields=["data"])
            services.update_handoff(
                process.handoff, {"clock": process.data["award"]}, due_at=longer.due
            )
            return {"days": data["days"], "due_at": iso(longer.due)}
        if decision == "grant":
            note = data.get("note") or ""
            result = _("给予法律援助") + (_("：%(note)s") % {"note": note} if note else "")
        elif decision == "refuse":
            result = _("不予法律援助：%(reason)s") % {"reason": data["reason"]}
        else:
            result = data["result"]
        services.perform(process.case_id, "record_result", user, {"result": result}, now=now)
        services.close_handoff(process.handoff, "result_recorded", now)
        return {"result": result} if decision in ("grant", "refuse") else {}
