"""警调对接 in Chromium (issue 32): the officer files a referral from a phone, the
committee's mediator takes it to a result and feeds it back (a high risk flag on the way
reaches the station's open desk live), the police desk shows the result and the feedback,
and the station's review closes the link."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from .test_desks_browser import (
    PHONE,
    fill_parties,
    open_transition,
    shot,
    state_badge,
    stays_on_host,
    submit,
)

pytestmark = pytest.mark.browser

INCIDENT = "红派接警〔2026〕0907号"


def test_police_referral_result_and_feedback(server, new_page):
    officer = new_page("police")
    officer.set_viewport_size(PHONE)
    officer.goto(server["url"] + "/police/referrals/")
    expect(officer.locator("h1")).to_have_text("警调对接")
    officer.get_by_label("接处警编号").fill(INCIDENT)
    receiver = officer.get_by_label("接收的人民调解委员会")
    # only people's mediation committees receive a station's referral (PML art 18)
    expect(receiver.locator("option", has_text="人民法院")).to_have_count(0)
    receiver.select_option(label="红寺堡镇人民调解委员会")
    officer.get_by_label("纠纷类型").select_option(label="邻里")
    officer.get_by_label("纠纷事实").fill("出警查明：两户因院墙排水发生口角并推搡，双方同意调解。")
    fill_parties(officer)
    width = officer.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the police desk scrolls sideways: {width}px"
    shot(officer, "phone-police-desk-form")
    officer.get_by_role("button", name="移交调解").click()
    expect(officer.locator(".msg-success")).to_contain_text("已移交人民调解委员会")
    number = officer.locator("#case-head h1").inner_text()
    case_url = officer.url

    # the committee accepts, mediates and ends it, then feeds the result back
    head = new_page("head")
    head.goto(case_url)
    form = open_transition(head, "accept")
    option = form.locator("option", has_text="马桂兰").first.get_attribute("value")
    form.get_by_label("调解员").select_option(option)
    submit(head, "accept")
    expect(state_badge(head)).to_have_text("已受理")
    mediator = new_page("mediator")
    mediator.goto(case_url)
    open_transition(mediator, "begin").get_by_label("被申请人同意调解").check()
    submit(mediator, "begin")
    expect(state_badge(mediator)).to_have_text("调解中")

    # a high risk flag on the referred case reaches the station's open desk live (§5 fan-out)
    officer.goto(server["url"] + "/police/referrals/")
    # connected (the dot is in the folded menu at 390 px: its attribute, not its visibility)
    expect(officer.locator("#live-status[hidden]")).to_have_count(0)
    form = mediator.locator("details.risk-form")
    form.locator("summary").click()
    form.get_by_label("风险等级").select_option("high")
    form.get_by_label("风险情况").fill("被申请人扬言要找人报复对方")
    form.get_by_label("已报告的公安派出所").fill("红寺堡派出所")
    reported = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=10)
    form.get_by_label("报告时间").fill(reported.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="确认标记").click()
    expect(mediator.locator(".msg-success")).to_contain_text("已标记矛盾激化风险")
    alert = officer.locator("#alerts-bar li", has_text="被申请人扬言要找人报复对方")
    expect(alert).to_be_visible(timeout=10_000)  # without a reload
    alert.get_by_role("button", name="知道了").click()
    expect(alert).to_have_count(0)
    form = open_transition(mediator, "fail")
    form.get_by_label("终止原因").select_option(index=1)
    form.get_by_label("告知的其他途径").fill("可向人民法院提起诉讼")
    submit(mediator, "fail")
    expect(state_badge(mediator)).to_have_text("调解终止")
    feedback = "经调解双方未能达成协议，调解终止；已告知双方可向人民法院起诉。"
    mediator.get_by_role("link", name="任务").click()
    task = mediator.locator("section.task", has_text=number)
    task.locator('details[data-decision="submit"] summary').click()
    task.get_by_label("调解结果反馈").fill(feedback)
    task.get_by_role("button", name="提交").click()
    expect(mediator.locator(".msg-success")).to_contain_text("任务已办理")

    # the police desk shows the result and the feedback
    officer.goto(server["url"] + "/police/referrals/")
    row = officer.locator("#police-referrals tr", has_text=number)
    expect(row).to_contain_text(INCIDENT)
    expect(row).to_contain_text("调解终止")
    expect(row.locator(".badge.risk-high")).to_be_visible()
    expect(row).to_contain_text("已反馈，待审核")
    expect(row.locator(".feedback-text")).to_have_text(feedback)
    width = officer.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the police desk scrolls sideways: {width}px"
    shot(officer, "phone-police-desk-list")

    # the station's review task shows the feedback; accepting it ends the link
    officer.goto(server["url"] + "/tasks/")
    review = officer.locator("section.task", has_text=number)
    expect(review.locator(".feedback-text")).to_have_text(feedback)
    review.locator('details[data-decision="accept"] summary').click()
    review.locator('details[data-decision="accept"]').get_by_role("button", name="提交").click()
    expect(officer.locator(".msg-success")).to_contain_text("任务已办理")
    officer.goto(server["url"] + "/police/referrals/")
    expect(officer.locator("#police-referrals tr", has_text=number)).to_contain_text("已办结")
    for page in (officer, head, mediator):
        assert page.errors == []
        stays_on_host(page, server)
