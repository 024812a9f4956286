package dev.subdesk.api;

import jakarta.servlet.http.HttpServletRequest;

/** The optional {@code X-Actor} header: who acts, recorded with every change; {@code api} by default. */
final class Actors {

	private Actors() {
	}

	static String of(HttpServletRequest request) {
		String actor = request.getHeader("X-Actor");
		if (actor == null || actor.isBlank()) {
			return "api";
		}
		String trimmed = actor.strip();
		return trimmed.length() > 200 ? trimmed.substring(0, 200) : trimmed;
	}
}
