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
import java.util.List;
import java.util.function.Predicate;
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

	/** A case in a list, with its service-level due time and whether it is past it. */
	record CaseRow(String caseNumber, @Nullable String accountId, String subject, String status, String priority, String slaDue,
			boolean breached, @Nullable String escalationReason) {

		static CaseRow of(SupportCase c, Instant now) {
			return new CaseRow(c.caseNumber(), c.accountId(), c.subject(), c.status().name(), c.priority().name(),
					Formats.dateTime(c.slaDueAt()), c.breachesSla(now), c.escalationReason());
		}

		/** The same row with its subject and escalation reason as {@code shown} gives them. */
		CaseRow shownAs(java.util.function.UnaryOperator<String> shown) {
			return new CaseRow(caseNumber, accountId, shown.apply(subject), status, priority, slaDue, breached,
					escalationReason == null ? null : shown.apply(escalationReason));
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

	CaseController(Support support, AuditTrail audit, AgentLog log, Clock clock, CaseRules rules, StaffAccounts staff,
			dev.subdesk.support.CallerVerification verification) {
		this.verification = verification;
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
		boolean verified = c.accountId() == null || verification.isVerified(c.accountId(), agent.getName());
		java.util.function.UnaryOperator<String> shown = verified ? text -> text : Masking::unverifiedText;
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
		model.addAttribute("mayReopen", rules.mayReopen(c, worker));
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

	@GetMapping("/console/queue")
	String queue(Model model) {
		Instant now = clock.instant();
		model.addAttribute("cases", support.supervisorQueue().stream().map(c -> CaseRow.of(c, now)).toList());
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
			List<AuditRow> rows = audit.about(target.strip())
				.stream()
				.map(e -> new AuditRow(e.id(), Formats.dateTime(e.at()), e.actor(), e.action(), e.target(), e.detail(),
						e.caseNumber(), e.reason()))
				.toList();
			model.addAttribute("entries", rows);
		}
		return "console/audit";
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
