package dev.subdesk.notices;

/** The kinds of notice, one per event (shared/API.md, "Notices"). */
public enum NoticeType {
	WELCOME, ORDER_CONFIRMATION, CANCELLATION_CONFIRMATION, REFUND_ISSUED, RENEWAL_REMINDER, RENEWAL_RECEIPT,
	PAYMENT_FAILED, SUBSCRIPTION_EXPIRED, CASE_UPDATE
}
