package dev.subdesk.console;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.CaseRules;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** Cases with their timeline and escalation; the supervisors' queue and audit pages; the sign-in page. */
@Controller
class CaseController {

	/**
	 * A case in a list, with its service-level due time and whether it is past it; {@code internal}: the customer has
	 * not been told about it and is told nothing ({@link SupportCase#internal}).
	 */
	record CaseRow(String caseNumber, @Nullable String accountId, String subject, String status, String priority, String slaDue,
			boolean breached, @Nullable String escalationReason, boolean internal) {

		static CaseRow of(SupportCase c, Instant now) {
			return new CaseRow(c.caseNumber(), c.accountId(), c.subject(), c.status().name(), c.priority().name(),
					Formats.dateTime(c.slaDueAt()), c.breachesSla(now), c.escalationReason(), c.internal());
		}

		/** The same row with its subject and escalation reason as {@code shown} gives them. */
		CaseRow shownAs(java.util.function.UnaryOperator<String> shown) {
			return new CaseRow(caseNumber, accountId, shown.apply(subject), status, priority, slaDue, breached,
					escalationReason == null ? null : shown.apply(escalationReason), internal);
		}
	}

	record TimelineRow(String at, String actor, String kind, String text) {
	}

	record AuditRow(long id, String at, String actor, String action, String target, @Nullable String detail,
			@Nullable String caseNumber, @Nullable String reason) {
	}

	record EscalateForm(@Nullable String reason) {
	}

	private final Support support;
	private final AuditTrail audit;
	private final AgentLog log;
	private final Clock clock;
	private final CaseRules rules;

	private final StaffAccounts staff;
	private final dev.subdesk.support.CallerVerification verification;
	private final dev.subdesk.accounts.Accounts accounts;

	CaseController(Support support, AuditTrail audit, AgentLog log, Clock clock, CaseRules rules, StaffAccounts staff,
			dev.subdesk.support.CallerVerification verification, dev.subdesk.accounts.Accounts accounts) {
		this.verification = verification;
		this.accounts = accounts;
		this.staff = staff;
		this.support = support;
		this.audit = audit;
		this.log = log;
		this.clock = clock;
		this.rules = rules;
	}

	@GetMapping(ConsoleSecurity.SIGN_IN)
	String signIn() {
		return "console/sign-in";
	}

	@GetMapping("/console/cases/{caseNumber}")
	String caseView(@PathVariable String caseNumber, Principal agent, HttpServletRequest request, Model model) {
		SupportCase c = support.find(caseNumber).orElseThrow(() -> SubdeskException.notFound("Case", caseNumber));
		log.viewed(agent.getName(), "VIEW_CASE", c.auditTarget(), c.caseNumber());
		// the case page shows no verification answer (an order number, a card's last digits) the account page would
		// hide from this agent until the caller is verified
		UnaryOperator<String> shown = new Shown(agent.getName()).forAccount(c.accountId());
		CaseRow row = CaseRow.of(c, clock.instant());
		model.addAttribute("supportCase", row.shownAs(shown));
		model.addAttribute("timeline", support.timeline(c.caseNumber())
			.stream()
			.map(t -> new TimelineRow(Formats.dateTime(t.at()), t.actor(), t.kind(), shown.apply(t.text())))
			.toList());
		CaseRules.Worker worker = CaseActionsController.worker(agent, request);
		model.addAttribute("escalatable", rules.mayEscalate(c, worker)
				&& c.status() != SupportCase.Status.RESOLVED && c.status() != SupportCase.Status.ESCALATED);
		model.addAttribute("owner", c.owner());
		model.addAttribute("mayTake", !agent.getName().equals(c.owner()) && rules.mayTake(c, worker)
				&& c.status() != SupportCase.Status.RESOLVED);
		model.addAttribute("mayWork", rules.mayWork(c, worker));
		model.addAttribute("withSupervisors", c.withSupervisors());
		model.addAttribute("mayReopen", rules.mayReopen(c, worker));
		model.addAttribute("mayReturn", rules.mayReturn(c, worker));
		return "console/case";
	}

	@PostMapping("/console/cases/{caseNumber}/escalate")
	String escalate(@PathVariable String caseNumber, EscalateForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		CaseRules.Worker worker = CaseActionsController.worker(agent, request);
		SupportCase escalatable = rules.escalatable(caseNumber, worker);
		String reason = AccountController.blankToNull(form.reason());
		if (reason == null || reason.length() > CaseRules.MAX_NOTE) {
			redirect.addFlashAttribute("message", reason == null ? "Give the reason for the escalation."
					: "Keep the reason under " + CaseRules.MAX_NOTE + " characters.");
			return "redirect:/console/cases/{caseNumber}";
		}
		log.inOneTransaction(() -> {
			rules.lockEscalatable(escalatable.caseNumber(), worker);
			SupportCase c = support.escalate(escalatable.caseNumber(), reason, agent.getName());
			log.acted(agent.getName(), "ESCALATE", c.auditTarget(), "Escalated to a supervisor", c.caseNumber(), reason);
		});
		redirect.addFlashAttribute("message", "Escalated to a supervisor.");
		return "redirect:/console/cases/{caseNumber}";
	}

	/**
	 * The supervisors' queue. A case's subject and escalation reason are masked as on the case page until the viewer
	 * has verified the caller of its account: the queue must not show what the case page hides.
	 */
	@GetMapping("/console/queue")
	String queue(Principal agent, Model model) {
		Instant now = clock.instant();
		Shown shown = new Shown(agent.getName());
		model.addAttribute("cases", support.supervisorQueue()
			.stream()
			.map(c -> CaseRow.of(c, now).shownAs(shown.forAccount(c.accountId())))
			.toList());
		return "console/queue";
	}

	@GetMapping("/console/audit")
	String audit(@RequestParam(name = "target", required = false) @Nullable String target, Principal agent,
			Model model) {
		AuditTrail.ChainCheck check = audit.verify();
		model.addAttribute("check", check);
		model.addAttribute("target", target == null ? "" : target);
		if (target != null && !target.isBlank()) {
			log.viewed(agent.getName(), "VIEW_AUDIT", auditedTarget(target.strip(), u -> staff.find(u).isPresent()), null);
			// what staff wrote about an account (notes, reasons) is masked as on the case page until the viewer has
			// verified the account's caller; the stored entries, and so the chain, are as written
			Shown shown = new Shown(agent.getName());
			Map<String, Optional<String>> accountOf = new HashMap<>(); // by case number or target, one look-up each
			List<AuditRow> rows = audit.about(target.strip()).stream().map(e -> {
				UnaryOperator<String> text = shown.forAccount(accountOf(e, accountOf));
				return new AuditRow(e.id(), Formats.dateTime(e.at()), e.actor(), e.action(), e.target(),
						e.detail() == null ? null : text.apply(e.detail()), e.caseNumber(),
						e.reason() == null ? null : text.apply(e.reason()));
			}).toList();
			model.addAttribute("entries", rows);
		}
		return "console/audit";
	}

	/** The account an audit entry is about: its case's, else its target when that is an account; none otherwise. */
	private @Nullable String accountOf(AuditTrail.Entry entry, Map<String, Optional<String>> known) {
		String caseNumber = entry.caseNumber();
		if (caseNumber != null) {
			Optional<String> ofCase = known.computeIfAbsent("case " + caseNumber,
					n -> support.find(caseNumber).map(c -> c.accountId()));
			if (ofCase.isPresent()) {
				return ofCase.get();
			}
		}
		return known.computeIfAbsent("target " + entry.target(),
				t -> accounts.find(entry.target()).map(dev.subdesk.accounts.Account::id)).orElse(null);
	}

	/**
	 * How text about an account shows to one staff member on one page: in full when there is no account or they have
	 * verified its caller ({@link dev.subdesk.support.CallerVerification#isVerified}: live, not since failed, its call
	 * not resolved), else with the verification answers masked ({@link Masking#unverifiedText}). The rule of the case
	 * page, also for the queue and the audit trail; one check per account and page.
	 */
	private final class Shown {

		private final String viewer;
		private final Map<String, Boolean> verified = new HashMap<>();

		Shown(String viewer) {
			this.viewer = viewer;
		}

		UnaryOperator<String> forAccount(@Nullable String accountId) {
			boolean full = accountId == null
					|| verified.computeIfAbsent(accountId, id -> verification.isVerified(id, viewer));
			return full ? text -> text : Masking::unverifiedText;
		}
	}

	/** The longest target a look-up records as typed. */
	static final int MAX_TARGET = 200;

	/**
	 * What a look-up of the audit trail records as its target: an id, a case number, a path (without an {@code @}) or
	 * the username of a staff member as typed; anything else (an email, a name, "smith" that is nobody's username: the
	 * trail is not searched by them, but a supervisor may type one) only masked, so the audit trail never holds a
	 * customer's email or name in clear.
	 */
	static String auditedTarget(String typed, Predicate<String> isStaffUsername) {
		if (typed.length() > MAX_TARGET) {
			typed = typed.substring(0, MAX_TARGET); // no id or path is longer; an index entry has a size limit
		}
		if (typed.matches("[a-z]+_[0-9A-Za-z]+|(?i:CASE|ORD|CXL|WDR)-[0-9A-Za-z-]+|/[\\x21-\\x3f\\x41-\\x7e]*")
				|| typed.matches("[a-z0-9][a-z0-9._-]{1,39}") && isStaffUsername.test(typed)) {
			return typed;
		}
		return typed.contains("@") ? Masking.email(typed) : Masking.name(typed);
	}

}
