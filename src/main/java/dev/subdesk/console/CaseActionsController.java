package dev.subdesk.console;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.CaseRules;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Working a case: taking it over ("assign to me"), waiting for the customer, resolving it with a note (the
 * customer gets a CASE_UPDATE notice, unless the case is internal: {@link SupportCase#internal}), reopening it, and a
 * supervisor's handing an escalated case back to the agents. Who may do which is {@link CaseRules}'; every step is
 * audited.
 */
@Controller
class CaseActionsController {

	/** The text typed with a step: the resolution, what is awaited, or why it opens again. */
	record NoteForm(@Nullable String note) {
	}

	private final Support support;
	private final AuditTrail audit;
	private final CaseRules rules;
	private final AgentLog log;

	CaseActionsController(Support support, AuditTrail audit, CaseRules rules, AgentLog log) {
		this.support = support;
		this.audit = audit;
		this.log = log;
		this.rules = rules;
	}

	/** The signed-in staff member as the case rules see them. */
	static CaseRules.Worker worker(Principal agent, HttpServletRequest request) {
		return new CaseRules.Worker(agent.getName(), request.isUserInRole("SUPERVISOR") || request.isUserInRole("ADMIN"));
	}

	@PostMapping("/console/cases/{caseNumber}/assign")
	String assign(@PathVariable String caseNumber, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		CaseRules.Worker worker = worker(agent, request);
		SupportCase c = rules.takeable(caseNumber, worker);
		log.inOneTransaction(() -> {
			rules.lockTakeable(c.caseNumber(), worker);
			support.assign(c.caseNumber(), agent.getName(), agent.getName());
			audit.record(agent.getName(), AgentLog.CHANNEL, "ASSIGN_CASE", c.auditTarget(), "Owner: " + agent.getName(),
					c.caseNumber(), "taking ownership");
		});
		redirect.addFlashAttribute("message", "The case is yours.");
		return "redirect:/console/cases/{caseNumber}";
	}

	@PostMapping("/console/cases/{caseNumber}/resolve")
	String resolve(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		CaseRules.Worker worker = worker(agent, request);
		SupportCase c = rules.workable(caseNumber, worker);
		return noted(c, form, agent, redirect, new Step("RESOLVE_CASE", "Write what was done to resolve the case.",
				c.internal() ? "Resolved; the customer was not told (an internal case)."
						: "Resolved; the customer has been told by email."), note -> {
					rules.lockWorkable(c.caseNumber(), worker);
					support.resolve(c.caseNumber(), note, agent.getName());
				});
	}

	@PostMapping("/console/cases/{caseNumber}/pending")
	String awaitCustomer(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		CaseRules.Worker worker = worker(agent, request);
		SupportCase c = rules.workable(caseNumber, worker);
		return noted(c, form, agent, redirect, new Step("CASE_PENDING_CUSTOMER",
				"Write what the customer is to send or do.", "The case waits for the customer."), note -> {
					rules.lockWorkable(c.caseNumber(), worker);
					support.awaitCustomer(c.caseNumber(), note, agent.getName());
				});
	}

	@PostMapping("/console/cases/{caseNumber}/reopen")
	String reopen(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		CaseRules.Worker worker = worker(agent, request);
		SupportCase c = rules.reopenable(caseNumber, worker);
		return noted(c, form, agent, redirect,
				new Step("REOPEN_CASE", "Write why the case opens again.", "The case is open again."), note -> {
					rules.lockReopenable(c.caseNumber(), worker);
					support.reopen(c.caseNumber(), note, agent.getName());
				});
	}

	@PostMapping("/console/cases/{caseNumber}/return")
	String returnToAgents(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		CaseRules.Worker worker = worker(agent, request);
		SupportCase c = rules.returnable(caseNumber, worker);
		return noted(c, form, agent, redirect, new Step("RETURN_CASE_TO_AGENTS",
				"Write why the case goes back to the agents.", "Returned to the agents."), note -> {
					rules.lockReturnable(c.caseNumber(), worker);
					support.returnToAgents(c.caseNumber(), note, agent.getName());
				});
	}

	/** A step that needs a note: its audit action, what to say when the note is missing, and when it is done. */
	private record Step(String action, String whenBlank, String done) {
	}

	/** Takes the step with the note typed (audited), or asks for the note when it is blank or too long. */
	private String noted(SupportCase c, NoteForm form, Principal agent, RedirectAttributes redirect, Step step,
			Consumer<String> change) {
		String note = AccountController.blankToNull(form.note());
		if (note == null || note.length() > CaseRules.MAX_NOTE) {
			redirect.addFlashAttribute("message", note == null ? step.whenBlank()
					: "Keep the note under " + CaseRules.MAX_NOTE + " characters.");
			return "redirect:/console/cases/{caseNumber}";
		}
		log.inOneTransaction(() -> {
			change.accept(note);
			audit.record(agent.getName(), AgentLog.CHANNEL, step.action(), c.auditTarget(), note, c.caseNumber(),
					"case work");
		});
		redirect.addFlashAttribute("message", step.done());
		return "redirect:/console/cases/{caseNumber}";
	}
}
