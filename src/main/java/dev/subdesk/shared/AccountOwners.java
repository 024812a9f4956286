package dev.subdesk.shared;

import java.util.Collection;
import java.util.Set;

/**
 * Whose records ids name: each module that keeps records of an account (subscriptions, charges, devices, cases ...)
 * says which accounts own the ids of its own kind. A module that must know which accounts an exchange concerns, but
 * may not depend on the modules that keep them (the idempotent answers, erased with their account), asks every
 * implementation.
 */
public interface AccountOwners {

	/**
	 * The accounts owning those of {@code ids} that are this module's (by their prefix, {@code sub_}, or their form,
	 * {@code CASE-...}); the others, and ids of no record, are left out. Called with a handful of ids found in an API
	 * request and its answer: one query at most, none when no id is this module's.
	 */
	Set<String> owning(Collection<String> ids);

	/** The ids of {@code ids} that start with one of {@code prefixes}. */
	static String[] withPrefix(Collection<String> ids, String... prefixes) {
		return ids.stream().filter(id -> {
			for (String prefix : prefixes) {
				if (id.startsWith(prefix)) {
					return true;
				}
			}
			return false;
		}).toArray(String[]::new);
	}
}
