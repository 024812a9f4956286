package dev.subdesk.payments;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * DESIGN invariant 11, enforced: each gateway adapter of this module is handed out wrapped so that every call of
 * {@link PaymentGateway} made while a database transaction is active on the calling thread fails at once with an
 * {@link IllegalStateException}, before the gateway is reached. A transaction that could hold row locks would keep
 * them, and its pooled connection, for as long as the gateway takes to answer (the failure {@code Billing}'s
 * purchase path was rebuilt to avoid). Read as {@code Billing}'s own guard reads it: any actual transaction, read-only
 * ones too (they pin a connection all the same); a suspended one ({@code NOT_SUPPORTED}) is not active.
 *
 * <p>An adapter's own work behind the call (the sandbox's ledger transaction) runs inside the adapter, past the guard.
 * Tests that put a gateway of their own in front (testing.DelegatingGateway) pass calls on to the sandbox's bean, which
 * is guarded.
 */
@Component
class GatewayCallsOutsideTransactions implements BeanPostProcessor {

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof PaymentGateway gateway && !Proxy.isProxyClass(bean.getClass())
				&& PaymentGateway.class.getPackageName().equals(bean.getClass().getPackageName())) {
			return guarded(gateway);
		}
		return bean;
	}

	/** {@code gateway}, refusing every call made inside a database transaction. */
	static PaymentGateway guarded(PaymentGateway gateway) {
		InvocationHandler handler = (proxy, method, args) -> {
			if (method.getDeclaringClass() == PaymentGateway.class) {
				requireNoTransaction(method);
			}
			return invoke(gateway, method, args);
		};
		return (PaymentGateway) Proxy.newProxyInstance(PaymentGateway.class.getClassLoader(),
				new Class<?>[] { PaymentGateway.class }, handler);
	}

	private static void requireNoTransaction(Method method) {
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException("The gateway is never called inside a database transaction (PaymentGateway."
					+ method.getName() + " was, in " + TransactionSynchronizationManager.getCurrentTransactionName() + ")");
		}
	}

	private static @Nullable Object invoke(PaymentGateway gateway, Method method, @Nullable Object @Nullable [] args)
			throws Throwable {
		try {
			return method.invoke(gateway, args);
		}
		catch (InvocationTargetException e) {
			throw e.getCause();
		}
	}
}
