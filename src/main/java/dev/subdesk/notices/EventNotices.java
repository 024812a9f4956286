package dev.subdesk.notices;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountErasing;
import dev.subdesk.accounts.EmailChanged;
import dev.subdesk.billing.RefundIssued;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationConfirmed;
import dev.subdesk.cancellation.Withdrawal;
import dev.subdesk.cancellation.WithdrawalReceived;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.events.RecordedEvent;
import dev.subdesk.intake.ConfirmationAddressesExpired;
import dev.subdesk.intake.PublicCancellationReceived;
import dev.subdesk.intake.PublicRequestUnmatched;
import dev.subdesk.intake.SignInCodeIssued;
import dev.subdesk.intake.UnmatchedRequestsExpired;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.support.CaseUpdated;
import dev.subdesk.support.Support;
import dev.subdesk.support.NewAddressCodeIssued;
import dev.subdesk.support.VerificationCodeIssued;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Notices as listeners of the events of the modules that change state (DESIGN.md invariant 12): the module records
 * its change and publishes an event of its own API with the facts (ids, amounts, dates, the addressee); the notice
 * is composed and stored by a listener of this module, synchronously, in the change's transaction, so that a
 * rollback of the change stores no notice and a crash loses both or neither. Once-only notices are kept once by the
 * database (V141), so a repeated event stores no second notice. This class: the notices of accounts (WELCOME of the
 * logged event {@code account.created}, EMAIL_CHANGED, and the erasure of a closed account's notices), billing
 * (REFUND_ISSUED), cancellation (CANCELLATION_CONFIRMATION, WITHDRAWAL_ACKNOWLEDGEMENT), intake
 * (CANCELLATION_REQUEST_RECEIVED, SIGN_IN_CODE; and for a public request that matched nothing, its confirmation
 * under no account) and support (CASE_UPDATE, VERIFICATION_CODE, also to the new address of an agent's change of email). The notices about the account as a whole (WELCOME,
 * EMAIL_CHANGED, the codes, CASE_UPDATE) go with {@link Notices#sendAboutAccount}: their footer also tells how to
 * cancel the account's store-billed subscriptions; the others are about a contract Acme bills and cancels;
 * {@link SubscriptionNotices}: those of subscriptions and renewals, in bulk where they come in batches.
 */
@Component
class EventNotices {

	private final Notices notices;

	private final JsonMapper json;

	private final Catalog catalog;

	private final Support support;

	/** The service's configured public address: links in notices never come from a request's Host header. */
	private final String baseUrl;

	private final org.springframework.jdbc.core.simple.JdbcClient jdbc;

	EventNotices(Notices notices, JsonMapper json, Catalog catalog, Support support,
			org.springframework.jdbc.core.simple.JdbcClient jdbc, @Value("${subdesk.public-base-url}") String baseUrl) {
		this.baseUrl = baseUrl;
		this.jdbc = jdbc;
		this.notices = notices;
		this.json = json;
		this.catalog = catalog;
		this.support = support;
	}

	@EventListener
	void on(RecordedEvent event) {
		switch (event.type()) {
			case ACCOUNT_CREATED -> welcome(json.readTree(event.data()));
			default -> {
			}
		}
	}

	/**
	 * The welcome, in the server's words only: an account can be opened at checkout by whoever types an address, so
	 * the name typed with it, which may be anything (a phone number, a call to action), must not reach the owner of
	 * that address (invariant 13).
	 */
	private void welcome(JsonNode account) {
		String id = account.path("id").asString();
		Letter letter = notices.letterFor(account.path("country").asString());
		notices.sendAboutAccount(letter, id, account.path("email").asString(), NoticeType.WELCOME,
				letter.text("welcome.subject"), letter.text("welcome.body"), id);
	}

	@EventListener
	void on(EmailChanged changed) {
		Letter letter = notices.letterFor(changed.country());
		notices.sendAboutAccount(letter, changed.accountId(), changed.previousEmail(), NoticeType.EMAIL_CHANGED,
				letter.text("emailChanged.subject"), letter.text("emailChanged.body", changed.newEmail()),
				changed.accountId());
	}

	/** A closed account's notices lose their recipient and body (invariant 14). */
	@EventListener
	void on(AccountClosed closed) {
		notices.erase(closed.accountId(), closed.tombstone());
	}

	/**
	 * So does the closing customer's address (since the account had it, or one the account had before, while it had it)
	 * where it was typed as the recipient of a notice about another account's contract (a confirmation of the public
	 * form, an acknowledgement sent signed in): not where another account's customer typed the same address while they
	 * held it.
	 */
	@EventListener
	void on(AccountErasing erasing) {
		notices.eraseTypedRecipient(erasing, Account.tombstoneEmail(erasing.accountId()));
	}

	@EventListener
	void on(RefundIssued refund) {
		Letter letter = notices.letterFor(refund.country());
		String written = letter.money(refund.amount());
		notices.send(letter, refund.accountId(), refund.email(), NoticeType.REFUND_ISSUED,
				letter.text("refund.subject", written), letter.text("refund.body", written, refund.cardBrand(),
						refund.cardLast4(), refund.chargeId(), refund.refundId(), refund.reason()),
				refund.refundId(), refund.at());
	}

	@EventListener
	void on(CancellationConfirmed confirmed) {
		Cancellation c = confirmed.cancellation();
		Letter letter = notices.letterFor(confirmed.country());
		notices.send(letter, confirmed.accountId(), confirmed.email(), NoticeType.CANCELLATION_CONFIRMATION,
				letter.text("cancellation.subject", c.confirmationNumber()), confirmationBody(letter, confirmed),
				c.confirmationNumber());
	}

	private String confirmationBody(Letter letter, CancellationConfirmed confirmed) {
		Cancellation c = confirmed.cancellation();
		StringBuilder body = new StringBuilder();
		body.append(letter.text("cancellation.intro", c.confirmationNumber(), letter.dateTime(c.requestedAt()),
				letter.text(c.mode() == Cancellation.Mode.IMMEDIATE ? "cancellation.mode.immediate"
						: "cancellation.mode.endOfTerm")));
		for (Cancellation.Item item : c.subscriptions()) {
			Subscription s = confirmed.subscriptions()
				.stream()
				.filter(ending -> ending.id().equals(item.id()))
				.findFirst()
				.orElseThrow();
			boolean past = !item.effectiveAt().isAfter(c.requestedAt());
			body.append(letter.text(past ? "cancellation.item.ended" : "cancellation.item.ends",
					catalog.name(s.planCode(), letter.locale()), s.orderNumber(), letter.dateTime(item.effectiveAt())));
		}
		body.append(c.refundTotal().positive() ? letter.text("cancellation.refund", letter.money(c.refundTotal()))
				: letter.text("cancellation.noRefund"));
		body.append(letter.text("cancellation.receipt", confirmed.receiptUrl()));
		return body.toString();
	}

	/**
	 * The acknowledgement goes to the email given with a request sent signed in, else to the account's. A request sent
	 * without signing in may come from anyone, so its acknowledgement names the contract as the database has it and
	 * repeats neither the name nor the email typed (invariant 13). Nor does one sent signed in to an address that is
	 * not the account's own: whoever holds an account could otherwise have Acme mail any text, typed as a name, to
	 * anyone (buying a contract, withdrawing from it with everything paid back, and again).
	 */
	@EventListener
	void on(WithdrawalReceived received) {
		Withdrawal w = received.withdrawal();
		Letter letter = notices.letterFor(received.country());
		notices.send(letter, w.accountId(), received.signedIn() ? w.email() : received.accountEmail(),
				NoticeType.WITHDRAWAL_ACKNOWLEDGEMENT, letter.text("withdrawal.subject", w.referenceNumber()),
				acknowledgement(letter, received), w.referenceNumber());
	}

	private String acknowledgement(Letter letter, WithdrawalReceived received) {
		Withdrawal w = received.withdrawal();
		Cancellation ended = received.ended();
		StringBuilder body = new StringBuilder();
		body.append(letter.text("withdrawal.intro", w.referenceNumber(), letter.dateTime(w.receivedAt())));
		boolean toOwnAddress = received.signedIn() && dev.subdesk.shared.EmailAddresses.same(jdbc, w.email().trim(), received.accountEmail());
		if (toOwnAddress) {
			body.append(letter.text("withdrawal.name", w.name()));
		}
		body.append(letter.text("withdrawal.contract", catalog.name(received.planCode(), letter.locale()),
				w.orderNumber()));
		body.append(toOwnAddress ? letter.text("withdrawal.email", w.email()) : letter.text("withdrawal.viaForm"));
		body.append(letter.text("withdrawal.ended", letter.dateTime(ended.effectiveAt())));
		if (ended.subscriptions().size() > 1) {
			body.append(letter.text("withdrawal.withAddOns"));
		}
		body.append(w.refundTotal().positive() ? letter.text("withdrawal.refund", letter.money(w.refundTotal()))
				: letter.text("withdrawal.noRefund"));
		body.append(letter.text("withdrawal.outro", ended.confirmationNumber()));
		return body.toString();
	}

	/**
	 * The confirmation: the content in the server's own words (the kind, the contract as the database has it, the
	 * timing), the time of receipt and the end date. It goes to the address typed for the confirmation, which may be
	 * anyone's, so it repeats nothing typed in the form (invariant 13): the name, the emails and a reason are on the
	 * page the sender saw and kept with the request.
	 */
	@EventListener
	void on(PublicCancellationReceived received) {
		Letter letter = notices.letterFor(received.country());
		notices.send(letter, received.accountId(), received.confirmationEmail(), NoticeType.CANCELLATION_REQUEST_RECEIVED,
				letter.text("publicCancellation.subject", received.confirmationNumber()),
				letter.text("publicCancellation.body", letter.dateTime(received.receivedAt()),
						letter.text(received.extraordinary() ? "publicCancellation.extraordinary"
								: "publicCancellation.ordinary"),
						received.orderNumber(),
						letter.text(received.immediately() ? "publicCancellation.immediately" : "publicCancellation.earliest"),
						received.confirmationNumber(), letter.dateTime(received.effectiveAt()),
						received.extraordinary() ? letter.text("publicCancellation.andReason") : ""),
				received.confirmationNumber());
	}

	/**
	 * The receipt of a public request that named no contract it could act on, confirmed at once to the address typed
	 * for it (R-DE-5), in the form's language, under no account: the form's choices and the time of receipt, that
	 * nothing was ended, and how to try again; nothing typed.
	 */
	@EventListener
	void on(PublicRequestUnmatched unmatched) {
		Letter letter = notices.letterFor(unmatched.language());
		String received = letter.dateTime(unmatched.receivedAt());
		if (unmatched.form() == PublicRequestUnmatched.Form.CANCELLATION) {
			// a contract a store bills, named with its account's email: the store cancels it, its footer says how
			dev.subdesk.subscriptions.Channel store = unmatched.store();
			notices.sendUnaddressed(letter, store == null ? dev.subdesk.subscriptions.Channel.DIRECT : store,
					unmatched.recipient(), NoticeType.CANCELLATION_REQUEST_RECEIVED,
					letter.text("publicCancellation.unmatched.subject"),
					letter.text(store == null ? "publicCancellation.unmatched.body"
							: "publicCancellation.unmatched.store.body", received,
							letter.text(unmatched.extraordinary() ? "publicCancellation.extraordinary"
									: "publicCancellation.ordinary"),
							letter.text(unmatched.immediately() ? "publicCancellation.immediately"
									: "publicCancellation.earliest"),
							unmatched.extraordinary() ? letter.text("publicCancellation.andReason") : "",
							store == null ? "" : letter.text("store." + store.name())),
					unmatched.requestId());
		}
		else {
			notices.sendUnaddressed(letter, unmatched.recipient(), NoticeType.WITHDRAWAL_ACKNOWLEDGEMENT,
					letter.text("publicWithdrawal.unmatched.subject"),
					letter.text("publicWithdrawal.unmatched.body", received), unmatched.requestId());
		}
	}

	/**
	 * A withdrawal sent again for a contract already withdrawn from is acknowledged too, to the account's own address:
	 * when it was received, and the withdrawal that stands; nothing typed. One per request (its id), beside the
	 * acknowledgement of the withdrawal itself.
	 */
	@EventListener
	void on(dev.subdesk.intake.PublicWithdrawalRepeated repeated) {
		Letter letter = notices.letterFor(repeated.country());
		notices.send(letter, repeated.accountId(), repeated.accountEmail(), NoticeType.WITHDRAWAL_ACKNOWLEDGEMENT,
				letter.text("withdrawal.again.subject", repeated.referenceNumber()),
				letter.text("withdrawal.again.body", repeated.referenceNumber(), letter.dateTime(repeated.receivedAt()),
						letter.dateTime(repeated.withdrawnAt()), repeated.orderNumber()),
				repeated.requestId());
	}

	/** The confirmations of expired unmatched requests lose the address typed for them. */
	@EventListener
	void on(UnmatchedRequestsExpired expired) {
		notices.eraseUnaddressed(expired.receivedBefore());
	}

	/**
	 * The confirmations sent under an account to an address that was neither the owner's nor typed as theirs lose that
	 * address when their request's does, after 90 days ({@link Notices#eraseConfirmationRecipient}).
	 */
	@EventListener
	void on(ConfirmationAddressesExpired expired) {
		for (ConfirmationAddressesExpired.Confirmation c : expired.confirmations()) {
			notices.eraseConfirmationRecipient(c.accountId(), c.confirmationNumber(), c.address());
		}
	}

	/**
	 * The code and the one-time sign-in link, to the account's own address, in the server's words: nothing typed by
	 * whoever asked (the link is made from the configured public address). For a new account checkout asked for, not
	 * opened until the code proves the address, to that address under no account: kept as the other notices of no
	 * account are ({@link Notices#sendUnaddressed}). Published by intake after the request that asked for the code
	 * has committed, off its thread, in the transaction that marks the code mailed: stored in that one.
	 */
	@EventListener
	void on(SignInCodeIssued issued) {
		Letter letter = notices.letterFor(issued.country());
		String body = letter.text(issued.accountId() == null ? "signin.newAccount.body" : "signin.body", issued.code(),
				baseUrl + issued.linkPath());
		// with no account: the address typed at checkout's "I am new here", to be proven (kept as unaddressed notices are)
		notices.sendOneTimeCode(letter, issued.accountId(), issued.email(), NoticeType.SIGN_IN_CODE,
				letter.text("signin.subject"), body, issued.codeId(), issued.expiresAt());
	}

	/**
	 * {@code case.opened}, {@code case.escalated}, {@code case.waiting_for_customer}, {@code case.reopened} or
	 * {@code case.resolved}: the number, the subject, and what staff wrote (what is awaited, the resolution).
	 * The case's timeline then names the notice stored, by its subject.
	 */
	@EventListener
	void on(CaseUpdated updated) {
		String what = "case." + updated.update().name().toLowerCase(Locale.ROOT);
		String resolution = updated.resolution();
		Object[] args = resolution == null ? new Object[] { updated.caseNumber(), updated.subject() }
				: new Object[] { updated.caseNumber(), updated.subject(), resolution };
		Letter letter = notices.letterFor(updated.country());
		String subject = letter.text(what + ".subject", args);
		notices.sendAboutAccount(letter, updated.accountId(), updated.email(), NoticeType.CASE_UPDATE, subject,
				letter.text(what + ".body", args), updated.caseNumber());
		support.noticeSent(updated, subject);
	}

	/** The step-up code, naming the one action and target it opens, in the server's words and facts only. */
	@EventListener
	void on(VerificationCodeIssued issued) {
		Letter letter = notices.letterFor(issued.country());
		VerificationCodeIssued.Opens opens = issued.opens();
		String what = switch (opens.action()) {
			case CLOSE_ACCOUNT -> letter.text("verification.CLOSE_ACCOUNT");
			case REMOVE_CARD -> letter.text("verification.REMOVE_CARD", opens.cardBrand(), opens.cardLast4());
			case CHANGE_EMAIL -> letter.text("verification.CHANGE_EMAIL", opens.newEmail());
			case REFUND -> letter.text("verification.REFUND", letter.money(java.util.Objects.requireNonNull(opens.refund())),
					letter.date(java.util.Objects.requireNonNull(opens.chargedAt())));
		};
		notices.sendOneTimeCode(letter, issued.accountId(), issued.email(), NoticeType.VERIFICATION_CODE,
				letter.text("verification.subject"),
				letter.text("verification.body", issued.code(), String.valueOf(issued.validMinutes()), what),
				issued.codeId(), issued.expiresAt());
	}

	/**
	 * The code to the new address of an agent's change of email: names no person and no account, and carries nothing
	 * the caller said but the address it goes to (invariant 13).
	 */
	@EventListener
	void on(NewAddressCodeIssued issued) {
		Letter letter = notices.letterFor(issued.country());
		notices.sendOneTimeCodeToNewAddress(letter, issued.accountId(), issued.newEmail(),
				letter.text("newAddress.subject"),
				letter.text("newAddress.body", issued.code(), String.valueOf(issued.validMinutes())), issued.codeId(),
				issued.expiresAt());
	}
}
