package dev.subdesk.web;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.intake.KnownBrowsers;
import dev.subdesk.intake.SignInCodes;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** Sign-in without a password: an email, then the one-time code sent to it or the one-time link sent with it. */
@Controller
class SignInController {

	static final String EMAIL_ATTRIBUTE = "portal.signInEmail";

	/** The random token that makes this browser the requester of the codes it asks for ({@link SignInCodes}). */
	static final String REQUESTER_ATTRIBUTE = "portal.signInRequester";

	private final SignInCodes codes;
	private final KnownBrowsers knownBrowsers;
	private final SecurityContextRepository contexts;

	SignInController(SignInCodes codes, KnownBrowsers knownBrowsers, SecurityContextRepository contexts) {
		this.codes = codes;
		this.knownBrowsers = knownBrowsers;
		this.contexts = contexts;
	}

	@GetMapping("/portal/sign-in")
	String form() {
		return "web/sign-in";
	}

	@PostMapping("/portal/sign-in")
	String requestCode(@RequestParam(defaultValue = "") String email, HttpServletRequest request,
			HttpServletResponse response, Model model) {
		if (!EmailAddresses.headerSafe(email.strip())) {
			response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
			model.addAttribute("error", "signin.error.email");
			return "web/sign-in";
		}
		if (codes.issue(email, request.getRemoteAddr(), requester(request.getSession()),
				knownBrowserCookies(request)) == SignInCodes.Issue.TOO_MANY_REQUESTS) {
			response.setStatus(429);
			model.addAttribute("error", "signin.error.tooMany");
			return "web/sign-in";
		}
		request.getSession().setAttribute(EMAIL_ATTRIBUTE, codes.normalize(email));
		request.getSession().removeAttribute(CheckoutPageController.RETURN_ATTRIBUTE);
		return "redirect:/portal/sign-in/code";
	}

	@GetMapping("/portal/sign-in/code")
	String codeForm(HttpSession session, Model model) {
		Object email = session.getAttribute(EMAIL_ATTRIBUTE);
		if (email == null) {
			return "redirect:/portal/sign-in";
		}
		model.addAttribute("email", email);
		return "web/sign-in-code";
	}

	@PostMapping("/portal/sign-in/code")
	String signIn(@RequestParam(defaultValue = "") String code, HttpServletRequest request,
			HttpServletResponse response, Model model) {
		HttpSession session = request.getSession();
		@Nullable Object email = session.getAttribute(EMAIL_ATTRIBUTE);
		if (email == null) {
			return "redirect:/portal/sign-in";
		}
		Object requester = session.getAttribute(REQUESTER_ATTRIBUTE);
		Optional<String> account = codes.verify(email.toString(), code, requester == null ? "" : requester.toString());
		if (account.isEmpty()) {
			model.addAttribute("email", email);
			model.addAttribute("error", "signin.error.code");
			response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
			return "web/sign-in-code";
		}
		return signedIn(email.toString(), account.get(), request, response);
	}

	/**
	 * The page a sign-in link opens: it signs in only when its button is pressed (a POST with the CSRF token, as every
	 * form here), since mail scanners and link previews open links too. A link that cannot be used shows one page
	 * for every reason (unknown, used, expired), whether or not an account has the email.
	 */
	@GetMapping("/portal/sign-in/link")
	String linkForm(@RequestParam(name = "t", defaultValue = "") String token, HttpServletRequest request,
			HttpServletResponse response, Model model) {
		noReferrer(response);
		Optional<SignInCodes.LinkSignIn> link = codes.peekLink(token, askedBy(request));
		if (link.isEmpty()) {
			return linkUnusable(response);
		}
		return linkPage(token, link.get(), false, model);
	}

	/**
	 * The link's button. A link sent for checkout's new account opens the account here: in the browser that asked,
	 * with what was typed there; in another browser, with the address, name and country typed on this page (whoever
	 * typed them at checkout may not be the address's owner who opens the link), and the checkout's own values are
	 * never shown here.
	 */
	@PostMapping("/portal/sign-in/link")
	String signInWithLink(@RequestParam(name = "t", defaultValue = "") String token,
			@RequestParam(name = "email", required = false) @Nullable String email,
			@RequestParam(defaultValue = "") String name, @RequestParam(defaultValue = "") String country,
			@RequestParam(defaultValue = "") String region, HttpServletRequest request, HttpServletResponse response,
			Model model) {
		noReferrer(response);
		SignInCodes.NewAccount typed = email == null ? null
				: CheckoutPageController.newAccount(email, name, country, region);
		SignInCodes.LinkUse use = codes.useLink(token, askedBy(request), email, typed);
		return switch (use.outcome()) {
			case UNUSABLE -> linkUnusable(response);
			case ADDRESS_NEEDED, DETAILS_NEEDED -> {
				response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
				boolean opensAccount = use.signIn() != null && use.signIn().opensAccount();
				model.addAttribute("detailsError", use.outcome() == SignInCodes.LinkUse.Outcome.DETAILS_NEEDED);
				yield linkPage(token, new SignInCodes.LinkSignIn(null, "", false, opensAccount),
						use.outcome() == SignInCodes.LinkUse.Outcome.ADDRESS_NEEDED && email != null && !email.isBlank(),
						model);
			}
			case SIGNED_IN -> signedIn(use.signIn().email(), java.util.Objects.requireNonNull(use.signIn().accountId()),
					request, response);
		};
	}

	/**
	 * The link's page: in the browser that asked for it, the address and one button; in another, a field for the
	 * address the link went to, which the page does not show (the one who sent the link might not be its reader), and
	 * for a link that opens checkout's new account, fields for the name, the country and the region (empty: what was
	 * typed at checkout is not shown to whoever opens the link).
	 */
	private static String linkPage(String token, SignInCodes.LinkSignIn link, boolean wrongAddress, Model model) {
		model.addAttribute("token", token);
		model.addAttribute("askedHere", link.askedHere());
		model.addAttribute("email", link.askedHere() ? link.email() : "");
		model.addAttribute("wrongAddress", wrongAddress);
		model.addAttribute("opensAccount", link.opensAccount());
		model.addAttribute("countries", CheckoutPageController.COUNTRIES);
		return "web/sign-in-link";
	}

	/** The browser's requester token, if it ever asked for a code; none is made here. */
	private static @Nullable String askedBy(HttpServletRequest request) {
		HttpSession session = request.getSession(false);
		return session == null || session.getAttribute(REQUESTER_ATTRIBUTE) == null ? null
				: session.getAttribute(REQUESTER_ATTRIBUTE).toString();
	}

	private static String linkUnusable(HttpServletResponse response) {
		response.setStatus(HttpServletResponse.SC_GONE);
		return "web/sign-in-link-unusable";
	}

	/** The link's token is in the page's address: no request from the page names it to anyone. */
	private static void noReferrer(HttpServletResponse response) {
		response.setHeader("Referrer-Policy", "no-referrer");
	}

	/**
	 * Signs this browser in to {@code account} with {@code email} (the one its code or link went to), the one way both
	 * take: a new session id (no session fixation), a new CSRF token, the security context, the known-browser cookie.
	 */
	private String signedIn(String email, String account, HttpServletRequest request, HttpServletResponse response) {
		HttpSession session = request.getSession();
		session.removeAttribute(EMAIL_ATTRIBUTE);
		session.removeAttribute(REQUESTER_ATTRIBUTE);
		request.changeSessionId();
		session.setAttribute(CustomerSessionCheck.SIGNED_IN_EMAIL, email);
		// a new CSRF token too, as Spring Security's own sign-in makes: one planted before the sign-in (with a session
		// cookie set from elsewhere) must not forge the customer's requests after it
		new org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository().saveToken(null, request, response);
		SecurityContext context = SecurityContextHolder.createEmptyContext();
		context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(account, null,
				List.of(new SimpleGrantedAuthority("ROLE_CUSTOMER"))));
		SecurityContextHolder.setContext(context);
		contexts.saveContext(context, request, response);
		rememberBrowser(email, account, request, response);
		Object checkout = session.getAttribute(CheckoutPageController.RETURN_ATTRIBUTE);
		if (checkout != null) {
			session.removeAttribute(CheckoutPageController.RETURN_ATTRIBUTE);
			return "redirect:" + checkout;
		}
		return "redirect:/portal";
	}

	/**
	 * Every value of the browser's known-browser cookie ({@link KnownBrowsers}), as sent: the service checks what they
	 * say and takes one that holds, so a cookie of the same name set from elsewhere shadows nothing.
	 */
	static List<String> knownBrowserCookies(HttpServletRequest request) {
		Cookie[] cookies = request.getCookies();
		if (cookies == null) {
			return List.of();
		}
		return java.util.Arrays.stream(cookies)
			.filter(cookie -> KnownBrowsers.COOKIE.equals(cookie.getName()))
			.map(Cookie::getValue)
			.toList();
	}

	/**
	 * Marks this browser as one that signed in with {@code email}: its later requests for codes for it have an
	 * allowance of their own ({@link SignInCodes}). A long-lived cookie that names no email (a signed tag per email),
	 * HttpOnly, Secure and SameSite=Lax; for the whole site (Path=/ and no Domain, as its {@code __Host-} name
	 * requires), since checkout asks for codes too.
	 */
	private void rememberBrowser(String email, String account, HttpServletRequest request, HttpServletResponse response) {
		ResponseCookie cookie = ResponseCookie
			.from(KnownBrowsers.COOKIE, knownBrowsers.remember(email, account, knownBrowserCookies(request)))
			.path("/")
			.maxAge(KnownBrowsers.LIFETIME)
			.httpOnly(true)
			.secure(true)
			.sameSite("Lax")
			.build();
		response.addHeader(HttpHeaders.SET_COOKIE, cookie.toString());
	}

	/**
	 * The browser's token as the requester of sign-in codes, made on its first request: only this browser signs in
	 * with the codes it asks for, and its new code ends only its own earlier one.
	 */
	static String requester(HttpSession session) {
		Object requester = session.getAttribute(REQUESTER_ATTRIBUTE);
		if (requester == null) {
			requester = java.util.UUID.randomUUID().toString();
			session.setAttribute(REQUESTER_ATTRIBUTE, requester);
		}
		return requester.toString();
	}
}
