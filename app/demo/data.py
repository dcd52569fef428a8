"""The four provincial agencies and a believable spread of demo cases."""

from __future__ import annotations

import datetime as dt
import random

from app.cases.models import CaseSource, CaseState, MisconductType, PartyType
from app.core.identifiers import make_resident_id

AGENCIES = [
    ("SH", "上海市科学技术委员会", "Science and Technology Commission of Shanghai Municipality"),
    ("JS", "江苏省科学技术厅", "Department of Science and Technology of Jiangsu Province"),
    ("ZJ", "浙江省科学技术厅", "Department of Science and Technology of Zhejiang Province"),
    ("AH", "安徽省科学技术厅", "Department of Science and Technology of Anhui Province"),
]

DEMO_USERS = [
    ("officer", "诚信专员", ["officer"]),
    ("officer2", "诚信专员二", ["officer"]),
    ("supervisor", "负责人", ["supervisor"]),
    ("admin", "管理员", ["agency_admin"]),
    ("auditor", "审计员", ["auditor"]),
    ("committee", "委员", ["committee_member"]),
    ("screener", "筛查员", ["screener"]),
]

# The one demo account that signs in with a second factor (TOTP) after the password.
DEMO_TOTP_USER = "sh-admin"

INSTITUTIONS = {
    "SH": [
        "复旦大学",
        "上海交通大学",
        "同济大学",
        "华东师范大学",
        "上海大学",
        "中国科学院上海药物研究所",
    ],
    "JS": ["南京大学", "东南大学", "苏州大学", "南京航空航天大学", "江南大学", "河海大学"],
    "ZJ": ["浙江大学", "浙江工业大学", "宁波大学", "杭州电子科技大学", "温州医科大学", "西湖大学"],
    "AH": [
        "中国科学技术大学",
        "合肥工业大学",
        "安徽大学",
        "安徽医科大学",
        "安徽农业大学",
        "安徽理工大学",
    ],
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "建国",
    "志强",
    "晓东",
    "海燕",
    "文博",
    "思远",
    "子涵",
    "雨桐",
    "浩然",
    "嘉怡",
    "俊杰",
    "欣怡",
]
POSITIONS = ["教授", "副教授", "研究员", "副研究员", "讲师", "博士研究生", "博士后", "助理研究员"]

TOPICS = [
    "国家自然科学基金项目申请书",
    "《中国科学》期刊论文",
    "省级重点研发计划项目结题报告",
    "博士学位论文",
    "SCI期刊论文",
    "科技进步奖申报材料",
    "人才计划申报材料",
    "临床试验数据",
    "会议论文",
    "横向课题研究报告",
    "专利申请文件",
    "实验室原始记录",
]

TITLE_PATTERNS = {
    MisconductType.plagiarism: "{name}{topic}涉嫌抄袭剽窃",
    MisconductType.fabrication_falsification: "{name}{topic}涉嫌伪造篡改数据",
    MisconductType.paper_trading_ghostwriting: "{name}涉嫌买卖、代写{topic}",
    MisconductType.fraudulent_acquisition: "{name}涉嫌以虚假材料骗取{topic}立项",
    MisconductType.ethics_approval_fraud: "{name}{topic}涉嫌伪造伦理审批",
    MisconductType.authorship_violation: "{name}{topic}涉嫌不当署名",
    MisconductType.publication_norm_violation: "{name}{topic}涉嫌违反论文发表规范",
    MisconductType.other: "{name}涉嫌其他科研失信行为（{topic}）",
}

DESCRIPTIONS = {
    MisconductType.plagiarism: "举报称该成果大段内容与他人已发表文献高度重合，未作引注。",
    MisconductType.fabrication_falsification: "举报称论文图表存在重复使用和拼接痕迹，部分实验数据无原始记录支撑。",
    MisconductType.paper_trading_ghostwriting: "举报称相关论文系通过第三方机构购买或代写。",
    MisconductType.fraudulent_acquisition: "举报称申报材料中的前期成果和合作单位信息不实。",
    MisconductType.ethics_approval_fraud: "举报称研究涉及人体受试者，但伦理审查批件系伪造。",
    MisconductType.authorship_violation: "举报称未参与研究的人员被列为作者，实际贡献者未署名。",
    MisconductType.publication_norm_violation: "举报称同一研究成果在多个期刊重复发表。",
    MisconductType.other: "举报称存在其他违背科研诚信要求的行为。",
}

# How many demo cases end in each state (about 200 in all).
STATE_SPREAD = {
    CaseState.received: 16,
    CaseState.preliminary_review: 28,
    CaseState.not_accepted: 12,
    CaseState.transfer_pending: 4,
    CaseState.investigating: 36,
    CaseState.suspended: 8,
    CaseState.terminated: 6,
    CaseState.findings: 14,
    CaseState.committee_review: 14,
    CaseState.pre_decision_notice: 12,
    CaseState.decided: 20,
    CaseState.under_review: 8,
    CaseState.closed: 22,
}


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def resident_id(rng: random.Random) -> str:
    """A well-formed (checksummed) but fictitious resident ID number."""
    area = rng.choice(["310101", "320102", "330106", "340104"])
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    return make_resident_id(area, birth, rng.randrange(0, 999))


def sources() -> list[CaseSource]:
    return list(CaseSource)


def party_types() -> list[PartyType]:
    return list(PartyType)
