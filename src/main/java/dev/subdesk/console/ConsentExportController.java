package dev.subdesk.console;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.checkout.Consent;
import dev.subdesk.checkout.Consents;
import dev.subdesk.shared.Formats;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.security.Principal;
import java.time.Clock;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The consent export of an account (issue 12, R-US-2): a plain-text document a card network's dispute team can
 * read, one section per consent record with the order, the time, how and where the buyer agreed, and the exact text
 * shown with its SHA-256. No name, email or address (the records outlive closure without them). Supervisors and
 * admins only; every export is in the audit trail.
 */
@Controller
class ConsentExportController {

	/**
	 * What the SHA-256 proves and what it does not (a card network reads this): it names the exact text, and matches
	 * a copy kept outside this system (the disclosure's {@code textSha256} a vendor's checkout received through the
	 * API, an earlier export) only if the text is the one of that time; kept in the same row as the text, it shows
	 * nothing on its own about later changes.
	 */
	private static final String HASH_NOTE = """
			acceptance, and its SHA-256 (hex, of the UTF-8 text), which anyone can recompute from the text below.
			What the hash proves: it identifies that exact text. A checkout using the API received it as the
			disclosure's textSha256 when the disclosure was made (the hosted checkout page, channel CHECKOUT, hands
			none out then); if the hash of the text below equals such a copy, or one from an earlier export, kept
			outside this system, this is the text of that time.
			What it does not prove: the hash printed here is stored in the same row as the text, so on its own it does
			not show that the record was not changed since, nor what the buyer's screen showed.
			""";

	private final Consents consents;
	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Catalog catalog;
	private final AgentLog log;
	private final Clock clock;

	ConsentExportController(Consents consents, Accounts accounts, Subscriptions subscriptions, Catalog catalog,
			AgentLog log, Clock clock) {
		this.consents = consents;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.catalog = catalog;
		this.log = log;
		this.clock = clock;
	}

	@GetMapping("/console/accounts/{accountId}/consents.txt")
	ResponseEntity<String> export(@PathVariable String accountId, Principal staff) {
		Account account = accounts.get(accountId);
		List<Consent> records = consents.ofAccount(accountId);
		log.viewed(staff.getName(), "EXPORT_CONSENTS", accountId, null);
		StringBuilder out = new StringBuilder();
		out.append("Consent records of Acme account %s (country %s%s)%n".formatted(account.id(), account.country(),
				account.region() == null ? "" : ", region " + account.region()));
		out.append("Exported %s. Each record keeps the text of the disclosure the buyer agreed to, as recorded at%n"
			.formatted(Formats.dateTime(clock.instant())));
		out.append(HASH_NOTE);
		out.append("%d record(s).%n".formatted(records.size()));
		int n = 0;
		for (Consent c : records) {
			n++;
			Subscription s = subscriptions.get(c.subscriptionId());
			out.append("%n== Record %d of %d: %s ==%n".formatted(n, records.size(), c.id()));
			out.append("Order:         %s (subscription %s, %s)%n".formatted(s.orderNumber(), s.id(),
					catalog.get(s.planCode()).name()));
			out.append("Agreed at:     %s (%s)%n".formatted(Formats.dateTime(c.acceptedAt()), c.acceptedAt()));
			out.append("How:           %s%n".formatted(switch (c.method()) {
				case CHECKBOX -> "ticked a separate, unticked checkbox (CHECKBOX)";
				case BUTTON -> "pressed the purchase button that carried the terms (BUTTON)";
				case AGENT_RECORDED -> "agreed to an agent, who recorded it (AGENT_RECORDED)";
			}));
			out.append("Where:         %s%n".formatted(switch (c.channel()) {
				case CHECKOUT -> "Acme's hosted checkout page (CHECKOUT)";
				case API -> "the vendor's own checkout, through the API (API)";
				case AGENT -> "with an agent (AGENT)";
			}));
			out.append("Disclosure:    %s%n".formatted(c.disclosureId()));
			out.append("Text SHA-256:  %s%n".formatted(c.textSha256()));
			out.append("Text shown:%n".formatted());
			c.text().lines().forEach(line -> out.append("  | ").append(line).append("\n"));
		}
		return ResponseEntity.ok()
			.contentType(new MediaType("text", "plain", java.nio.charset.StandardCharsets.UTF_8))
			.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"consents-" + account.id() + ".txt\"")
			.body(out.toString());
	}
}
