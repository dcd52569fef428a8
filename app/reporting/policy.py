"""The reporting portal's rules as policy data, each with where it comes from.

Change the values here, never in the code that applies them. The intake clock follows the
national rules' "within 15 working days" for telling a named reporter whether the report is
accepted; the abuse limits and the address's retention are the platform's own choices.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    value: int | bool
    source: str
    verified: bool = False


# 《科研失信行为调查处理规则》(国科发监〔2022〕221号) art. 14–15 as reported: a named reporter
# is told within 15 working days of receipt whether the report is accepted. To be checked
# against the text.
OUTCOME_WORKING_DAYS = Rule(15, "国科发监〔2022〕221号 art. 14–15 (as reported; unverified)")

# The same rules (art. 12 as reported) take up anonymous reports only with concrete facts,
# evidence or leads: the portal refuses an anonymous report with neither files nor leads.
ANONYMOUS_NEEDS_EVIDENCE = Rule(
    True, "国科发监〔2022〕221号 art. 12 (as reported; unverified): 匿名举报须有明确线索或证据"
)

# Abuse limits without a third-party CAPTCHA: reports an hour from one address, and into
# one agency's intake from everyone. Platform policy, not a legal rule.
REPORTS_PER_ADDRESS_HOUR = Rule(10, "Platform policy, not a legal rule (平台政策，非法定)")
REPORTS_PER_AGENCY_HOUR = Rule(200, "Platform policy, not a legal rule (平台政策，非法定)")

# Wrong receipt codes from one address in an hour; past it every code is refused, the right
# one too, until the hour has passed. Platform policy, not a legal rule.
WRONG_CODES_PER_ADDRESS_HOUR = Rule(10, "Platform policy, not a legal rule (平台政策，非法定)")

# How long the network address of a portal submission or follow-up is kept (days) before
# it is erased: long enough to trace abuse, no longer. Platform policy (《个人信息保护法》
# art. 19's "shortest time necessary" applied by the platform, not a figure of the law).
ADDRESS_RETENTION_DAYS = Rule(30, "Platform policy under 个人信息保护法 art. 19 (平台政策)")

# A follow-up visit opened with the code lasts this long without use (seconds).
FOLLOW_UP_IDLE_SECONDS = 30 * 60

# The most evidence files a report takes at once, and the texts' bounds (app.core.limits
# bounds each text).
MAX_FILES = 10


def rules() -> list[tuple[str, Rule]]:
    """Every rule with its name, for the portal's and the policy page's statement."""
    return [
        ("outcome_working_days", OUTCOME_WORKING_DAYS),
        ("anonymous_needs_evidence", ANONYMOUS_NEEDS_EVIDENCE),
        ("reports_per_address_hour", REPORTS_PER_ADDRESS_HOUR),
        ("reports_per_agency_hour", REPORTS_PER_AGENCY_HOUR),
        ("wrong_codes_per_address_hour", WRONG_CODES_PER_ADDRESS_HOUR),
        ("address_retention_days", ADDRESS_RETENTION_DAYS),
    ]
