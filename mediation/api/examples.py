"""Request examples in the OpenAPI document: what a generated client's docs show, and what
schemathesis's examples phase sends first (issue 31). Each is valid by its own schema
(tests/api/test_schema_examples.py); the ids are the demo data's kind of ids, so against
another database a rule JSON Schema cannot state (the organisation must exist and mediate)
may still refuse one with a 400 that names it."""

from typing import Any

Example = dict[str, Any]

TWO_NEIGHBOURS = [
    {"role": "applicant", "kind": "person", "name": "马建国", "gender": "male"},
    {"role": "respondent", "kind": "person", "name": "杨学军", "gender": "male"},
]
A_DISPUTE = {
    "category": "neighbour",
    "summary": "两户因共用通道堆放杂物发生争执。",
    "claims": "请求被申请人清理通道内杂物。",
    "region": "红寺堡镇",
}

EXAMPLES: dict[str, dict[str, Example]] = {
    "cases_register": {
        "window": {
            "summary": "窗口登记一起邻里纠纷",
            "value": {"org": 22, "channel": "walk_in", **A_DISPUTE, "parties": TWO_NEIGHBOURS},
        },
        "with_amount": {
            "summary": "涉及金额的纠纷（金额以文本给出）",
            "value": {
                "org": 22,
                "channel": "hotline",
                "category": "contract",
                "summary": "务工报酬结算争议。",
                "amount": "3000.00",
                "parties": TWO_NEIGHBOURS,
            },
        },
    },
    "petitions_transfer": {
        "transfer": {
            "summary": "信访事项转交人民调解",
            "value": {
                "org": 22,
                **A_DISPUTE,
                "parties": TWO_NEIGHBOURS,
                "petition_number": "红信转〔2026〕12号",
                "feedback_due": "2026-12-31",
                "received_on": "2026-11-20",
                "petitioner_consent": True,
            },
        }
    },
    "courts_refer": {
        "pre_filing": {
            "summary": "诉前委派调解",
            "value": {
                "org": 22,
                **A_DISPUTE,
                "parties": TWO_NEIGHBOURS,
                "referral_number": "（2026）宁0303民诉前调45号",
                "kind": "pre_filing",
            },
        }
    },
    "police_refer": {
        "call_out": {
            "summary": "派出所将出警遇到的邻里纠纷移交人民调解委员会",
            "value": {
                "org": 22,
                **A_DISPUTE,
                "parties": TWO_NEIGHBOURS,
                "incident_number": "红公（红寺堡）接警〔2026〕0815号",
                "feedback_due": "2026-12-31",
            },
        }
    },
    "portal_apply": {
        "online": {
            "summary": "当事人在线申请调解",
            "value": {
                **A_DISPUTE,
                "applicant": {"name": "马建国", "phone": "13995012345"},
                "respondent": {"name": "杨学军"},
                "privacy_consent": True,
            },
        }
    },
    "cases_add_session": {
        "session": {
            "summary": "记录一次调解会",
            "value": {
                "held_at": "2026-11-25T10:00:00+08:00",
                "place": "红寺堡镇人民调解委员会调解室",
                "attendees": "马建国、杨学军",
                "record": "双方陈述了通道使用情况，同意三日内清理杂物。",
            },
        }
    },
    "cases_add_follow_up": {
        "performed": {
            "summary": "回访：协议已履行",
            "value": {"date": "2026-11-25", "performed": True, "note": "杂物已清理。"},
        }
    },
    "cases_flag_risk": {
        "medium": {
            "summary": "标记中风险",
            "value": {"level": "medium", "note": "双方情绪激动，有肢体冲突苗头。"},
        },
        "high": {
            "summary": "高风险须报告公安派出所（《人民调解法》第二十五条）",
            "value": {
                "level": "high",
                "note": "一方扬言报复。",
                "reported_to": "红寺堡派出所",
                "reported_at": "2026-11-25T09:30:00+08:00",
            },
        },
    },
    "complaints_submit": {
        "complaint": {
            "summary": "投诉调解组织",
            "value": {
                "org": 22,
                "complainant": "马建国",
                "contact": "13995012345",
                "facts": "调解员未按约定时间组织调解。",
            },
        }
    },
    "consultations_record": {
        "hotline": {
            "summary": "12348 热线咨询",
            "value": {
                "channel": "hotline",
                "topic": "legal_advice",
                "category": "labor",
                "question": "用人单位拖欠工资怎么办？",
                "answer": "可申请劳动争议调解或仲裁。",
                "caller_phone": "13995012345",
            },
        }
    },
    "screenings_record": {
        "round": {
            "summary": "一次矛盾纠纷排查",
            "value": {
                "org": 22,
                "period_start": "2026-11-20",
                "period_end": "2026-11-25",
                "places": "中圈塘村一组",
            },
        }
    },
    "cases_transition_accept": {
        "accept": {"summary": "受理并指定调解员", "value": {"mediator": 5}},
    },
}


def add_examples(op: dict[str, Any]) -> None:
    """Put the operation's request examples on its JSON body, if it has any."""
    examples = EXAMPLES.get(op.get("operationId", ""))
    media = op.get("requestBody", {}).get("content", {}).get("application/json")
    if examples and media is not None:
        media["examples"] = examples
