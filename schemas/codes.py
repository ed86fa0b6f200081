"""Closed code lists of the canonical leave schema: every vendor code maps onto exactly one of these.

Values are upper-case words (never a vendor's spelling): a mapping file translates ``"Child Bonding"`` or
``"B"`` into ``ReasonCategory.BONDING``. A list is closed on purpose: an unknown vendor code is a validation
error with row and field, not a silent new value. Reasons are CATEGORIES, never a diagnosis (ADA, FMLA
825.500(g)).

Example::

    Decision("APPROVED") is Decision.APPROVED
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AckStatus",
    "CoverageTier",
    "Decision",
    "EmploymentStatus",
    "FileDirection",
    "FileKind",
    "FileStatus",
    "FlsaStatus",
    "Gender",
    "IneligibilityReason",
    "LeaveStatus",
    "LeaveType",
    "PayBasis",
    "PayCode",
    "PayFrequency",
    "PayInstructionKind",
    "PeriodType",
    "PlanCode",
    "PlanType",
    "PremiumAdjustmentReason",
    "PremiumEntryType",
    "PremiumMethod",
    "PremiumShare",
    "ReasonCategory",
    "RegisterLineType",
    "RtwOutcome",
    "SupersedeRule",
    "TaxTreatment",
    "TimeOffPolicy",
    "TxnType",
]


# --- leave -------------------------------------------------------------------------------------------


class PlanCode(StrEnum):
    """A leave or income plan a period is decided under: federal, state program, disability, other."""

    FMLA = "FMLA"
    CFRA = "CFRA"
    CA_PDL = "CA_PDL"
    CA_PFL = "CA_PFL"
    CA_SDI = "CA_SDI"
    NY_PFL = "NY_PFL"
    NY_DBL = "NY_DBL"
    NJ_FLI = "NJ_FLI"
    NJ_TDI = "NJ_TDI"
    WA_PFML = "WA_PFML"
    MA_PFML = "MA_PFML"
    CT_PL = "CT_PL"
    OR_PLO = "OR_PLO"
    CO_FAMLI = "CO_FAMLI"
    DE_PFML = "DE_PFML"
    RI_TCI = "RI_TCI"
    RI_TDI = "RI_TDI"
    MN_PFML = "MN_PFML"
    ME_PFML = "ME_PFML"
    MD_FAMLI = "MD_FAMLI"
    STD = "STD"
    LTD = "LTD"
    SALARY_CONT = "SALARY_CONT"
    CO_PARENTAL = "CO_PARENTAL"
    WC = "WC"
    ADA = "ADA"
    USERRA = "USERRA"


class Decision(StrEnum):
    """The administrator's decision on a plan period or on one intermittent episode."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    CANCELLED = "CANCELLED"
    WITHDRAWN = "WITHDRAWN"
    EXHAUSTED = "EXHAUSTED"
    CLOSED = "CLOSED"


class PeriodType(StrEnum):
    """How the time off is taken."""

    CONTINUOUS = "CONTINUOUS"
    INTERMITTENT = "INTERMITTENT"
    REDUCED_SCHEDULE = "REDUCED_SCHEDULE"


class ReasonCategory(StrEnum):
    """Why the leave is taken, as a category only: the hub never carries a diagnosis."""

    OWN_HEALTH = "OWN_HEALTH"
    PREGNANCY = "PREGNANCY"
    BONDING = "BONDING"
    FAMILY_CARE = "FAMILY_CARE"
    MILITARY_EXIGENCY = "MILITARY_EXIGENCY"
    MILITARY_CAREGIVER = "MILITARY_CAREGIVER"
    WORK_RELATED = "WORK_RELATED"
    PERSONAL = "PERSONAL"


class RtwOutcome(StrEnum):
    """What happened at the end of leave; drives premium recovery (29 CFR 825.213)."""

    RETURNED = "RETURNED"
    RESIGNED = "RESIGNED"
    TERMINATED = "TERMINATED"
    RETIRED = "RETIRED"
    NOT_RETURNED_HEALTH = "NOT_RETURNED_HEALTH"
    NOT_RETURNED_BEYOND_CONTROL = "NOT_RETURNED_BEYOND_CONTROL"


class PremiumMethod(StrEnum):
    """How the employee pays their premium share during leave (26 CFR 1.125-3)."""

    PAYROLL = "PAYROLL"
    PREPAY = "PREPAY"
    PAY_AS_YOU_GO = "PAY_AS_YOU_GO"
    CATCH_UP = "CATCH_UP"


class IneligibilityReason(StrEnum):
    """Which FMLA eligibility test failed (29 CFR 825.110)."""

    SERVICE = "SERVICE"
    HOURS = "HOURS"
    WORKSITE = "WORKSITE"


class TxnType(StrEnum):
    """Kind of a benefit payment transaction; a cancellation is a new transaction, never a delete."""

    STANDARD = "STANDARD"
    ZERO_DOLLAR = "ZERO_DOLLAR"
    OVERPAYMENT = "OVERPAYMENT"
    OVERPAYMENT_RECOVERY = "OVERPAYMENT_RECOVERY"
    CANCELLATION = "CANCELLATION"
    EMPLOYER_REIMBURSEMENT = "EMPLOYER_REIMBURSEMENT"


class LeaveStatus(StrEnum):
    """Status the hub reports back to the HRIS."""

    ON_LEAVE = "ON_LEAVE"
    ACTIVE = "ACTIVE"


class LeaveType(StrEnum):
    """Coarse leave type the HRIS shows (not the plan list)."""

    FMLA = "FMLA"
    STATE = "STATE"
    STD = "STD"
    LTD = "LTD"
    WC = "WC"
    PERSONAL = "PERSONAL"


# --- people and employment ---------------------------------------------------------------------------


class EmploymentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ON_LEAVE = "ON_LEAVE"
    TERMINATED = "TERMINATED"


class Gender(StrEnum):
    """As the HRIS reports it; the X12 834 takes F, M, U only, so its mapping sends X as U."""

    FEMALE = "F"
    MALE = "M"
    NONBINARY = "X"
    UNKNOWN = "U"


class PayBasis(StrEnum):
    """Whether ``pay_rate`` is an hourly rate or an annual salary."""

    HOURLY = "HOURLY"
    SALARY = "SALARY"


class PayFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    SEMIMONTHLY = "SEMIMONTHLY"
    MONTHLY = "MONTHLY"


class FlsaStatus(StrEnum):
    EXEMPT = "EXEMPT"
    NON_EXEMPT = "NON_EXEMPT"


class TimeOffPolicy(StrEnum):
    PTO = "PTO"
    SICK = "SICK"
    VACATION = "VACATION"


# --- benefits and premiums ---------------------------------------------------------------------------


class PlanType(StrEnum):
    """A benefit plan line an employee is enrolled in and pays premiums for."""

    MEDICAL = "MEDICAL"
    DENTAL = "DENTAL"
    VISION = "VISION"
    STD = "STD"
    LTD = "LTD"
    BASIC_LIFE = "BASIC_LIFE"
    SUPP_LIFE = "SUPP_LIFE"


class CoverageTier(StrEnum):
    EMPLOYEE = "EE"
    EMPLOYEE_SPOUSE = "ES"
    EMPLOYEE_CHILDREN = "EC"
    FAMILY = "FAM"


class TaxTreatment(StrEnum):
    """Whether the employee's premium share is deducted before tax (cafeteria plan) or after."""

    PRE_TAX = "PRE_TAX"
    POST_TAX = "POST_TAX"


class PremiumShare(StrEnum):
    """Whose share of a premium an entry is about."""

    EMPLOYEE = "EMPLOYEE"
    EMPLOYER = "EMPLOYER"


class PremiumEntryType(StrEnum):
    """One movement in the premium ledger; the sign of ``amount`` follows: positive = owed by the employee."""

    DUE = "DUE"                          # the share for a coverage period fell due
    DEDUCTED = "DEDUCTED"                # payroll took it on a check
    BLOCKED = "BLOCKED"                  # payroll could not take it: it went to arrears
    EMPLOYEE_PAYMENT = "EMPLOYEE_PAYMENT"  # prepay / pay-as-you-go paid directly
    RECOVERED = "RECOVERED"              # catch-up deduction after return
    EMPLOYER_ADVANCE = "EMPLOYER_ADVANCE"  # employer paid the share for the employee
    INVOICED = "INVOICED"                # billed to the employee (e.g. did not return)
    WRITTEN_OFF = "WRITTEN_OFF"          # not recoverable by law or policy
    REFUND = "REFUND"


class PremiumAdjustmentReason(StrEnum):
    """Why a carrier bill line adjusts an earlier month."""

    RETRO_ADD = "RETRO_ADD"
    RETRO_TERM = "RETRO_TERM"
    RATE_CHANGE = "RATE_CHANGE"


# --- pay ---------------------------------------------------------------------------------------------


class PayInstructionKind(StrEnum):
    """What a pay instruction asks payroll to do on one check."""

    CANCEL_REGULAR_PAY = "CANCEL_REGULAR_PAY"    # stop scheduled salaried pay (optionally pay `amount`)
    HOURS = "HOURS"                              # hours under a pay code (LOA memo, FMLA paid, PTO, sick)
    EARNINGS = "EARNINGS"                        # an earnings amount (top-up, salary continuation, retro)
    MEMO = "MEMO"                                # third-party sick pay memo line, not paid by payroll
    DEDUCTION_ADJUSTMENT = "DEDUCTION_ADJUSTMENT"  # + collects arrears, - refunds
    BLOCK_DEDUCTION = "BLOCK_DEDUCTION"          # do not take this deduction on this check


class PayCode(StrEnum):
    """Vendor-neutral hours, earnings and memo codes; the payroll mapping turns them into LOA, STU, TPS ..."""

    UNPAID_LEAVE_HOURS = "UNPAID_LEAVE_HOURS"
    FMLA_PAID_HOURS = "FMLA_PAID_HOURS"
    PTO_HOURS = "PTO_HOURS"
    SICK_HOURS = "SICK_HOURS"
    STD_TOPUP = "STD_TOPUP"
    STATE_PFL_TOPUP = "STATE_PFL_TOPUP"
    SALARY_CONTINUATION = "SALARY_CONTINUATION"
    RETRO_ADJUSTMENT = "RETRO_ADJUSTMENT"
    THIRD_PARTY_TAXABLE = "THIRD_PARTY_TAXABLE"
    THIRD_PARTY_NONTAXABLE = "THIRD_PARTY_NONTAXABLE"
    THIRD_PARTY_FIT = "THIRD_PARTY_FIT"
    THIRD_PARTY_SOCIAL_SECURITY = "THIRD_PARTY_SOCIAL_SECURITY"
    THIRD_PARTY_MEDICARE = "THIRD_PARTY_MEDICARE"


class RegisterLineType(StrEnum):
    """A payroll register line: what payroll actually did."""

    EARN = "EARN"
    DED = "DED"
    MEMO = "MEMO"
    TAX = "TAX"


# --- file exchange -----------------------------------------------------------------------------------


class FileDirection(StrEnum):
    IN = "IN"
    OUT = "OUT"


class FileKind(StrEnum):
    """A FULL file carries the whole population; a CHANGE file only adds, terms and changes."""

    FULL = "FULL"
    CHANGE = "CHANGE"


class FileStatus(StrEnum):
    """Where one file (or API batch) stands in the exchange ledger: the one status vocabulary the ledger, the CLI
    and the DAGs share (an outbound batch's BUILT/SENT and a vendor's verdict, ``AckStatus``, are their own)."""

    RECEIVED = "RECEIVED"          # fetched and verified, not yet applied
    APPLIED = "APPLIED"            # every row stored
    DUPLICATE = "DUPLICATE"        # same content or control number as an earlier file: nothing posted
    REJECTED = "REJECTED"          # bad input: nothing posted, error report written
    QUARANTINED = "QUARANTINED"    # moved aside for a human (signature, format)
    SENT = "SENT"                  # delivered to the vendor
    MISSING = "MISSING"            # an expected file did not arrive by its deadline
    FAILED = "FAILED"              # an unexpected error (not bad input) stopped the apply; a retry may claim


class AckStatus(StrEnum):
    """A vendor's verdict on a file we sent (X12 999 IK5/AK9: A, E, P, R)."""

    ACCEPTED = "ACCEPTED"
    ACCEPTED_WITH_ERRORS = "ACCEPTED_WITH_ERRORS"
    PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"
    REJECTED = "REJECTED"


class SupersedeRule(StrEnum):
    """How a newer record for the same vendor key replaces an older one."""

    UPDATED_AT = "UPDATED_AT"        # the row with the later updated_at wins
    FILE_DATE = "FILE_DATE"          # the row from the later business date wins
    APPEND_ONLY = "APPEND_ONLY"      # rows are events: never replaced, corrections are new rows
    FULL_SNAPSHOT = "FULL_SNAPSHOT"  # the file replaces everything in its scope
