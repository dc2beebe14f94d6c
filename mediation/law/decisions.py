"""The words for the decisions of the cross-agency tasks (workflows): the task forms
offer them, the case page and the 卷宗's event log print them."""

from django.utils.translation import gettext_lazy as _

DECISION_LABELS = {
    "register": _("登记受理"),
    "refuse": _("不予受理"),
    "confirm": _("裁定确认有效"),
    "reject": _("裁定不予确认"),
    "extend": _("延长审查期限"),
    "submit": _("提交办理情况反馈"),
    "accept": _("接收"),
    "return": _("退回重办"),
    "decline": _("不予受理"),
    "record": _("登记处理结果"),
    "mediation_document": _("出具调解书"),
    "file": _("立案"),
    "withdraw_suit": _("准予撤诉"),
    "resume_trial": _("恢复审理"),
    "acknowledge": _("知悉"),
    "grant": _("给予法律援助"),
}
DECISION_LABELS_BY_TASK = {
    ("petition.review", "accept"): _("认可反馈（办结）"),
    ("police.review", "accept"): _("已知悉（办结）"),
    ("police.review", "return"): _("退回补充反馈"),
    ("court.outcome", "confirm"): _("申请司法确认"),
    ("referral.acknowledge", "accept"): _("受理"),
    ("referral.filing", "record"): _("登记当事人申请"),
    ("referral.result", "extend"): _("延长裁决期限"),
    ("referral.result", "grant"): _("给予法律援助"),
    ("referral.result", "refuse"): _("不予法律援助"),
}
