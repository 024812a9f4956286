package dev.subdesk.support;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes the entry of an API write ({@link AuditTrail#changesOf}) inside the transaction of its change: every
 * write transaction that begins while the entry is pending gets a hook that inserts it just before commit. The
 * first that commits carries it; one that rolls back takes it back with its change. Registered on the
 * transaction manager by Spring Boot, as every {@link TransactionExecutionListener} bean is.
 */
@Component
class AuditInTheTransaction implements TransactionExecutionListener {

	private final AuditTrail audit;

	AuditInTheTransaction(AuditTrail audit) {
		this.audit = audit;
	}

	@Override
	public void afterBegin(TransactionExecution transaction, @Nullable Throwable beginFailure) {
		if (beginFailure != null || transaction.isReadOnly() || !transaction.isNewTransaction()
				|| !TransactionSynchronizationManager.isSynchronizationActive()) {
			return;
		}
		AuditTrail.Pending pending = audit.pending();
		if (pending == null) {
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

			private boolean inserted;

			@Override
			public void beforeCommit(boolean readOnly) {
				if (!pending.written) {
					audit.insert(pending);
					inserted = true;
				}
			}

			@Override
			public void afterCompletion(int status) {
				if (inserted && status == STATUS_COMMITTED) {
					pending.written = true;
				}
			}
		});
	}
}
