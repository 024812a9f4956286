package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * What the API answers is made of the edge's own view records (issue 13: "responses are view records of the edge,
 * not the domain records themselves"): walking every handler's return type, and the components of the records it
 * is made of, meets no record or class of a domain module. Enums of the domain (a status, a mode) and the shared
 * kernel's values (Money) may appear: they are the contract's vocabulary.
 */
class AnswersAreEdgeViewsTests {

	@Test
	void everyHandlerAnswersWithRecordsOfTheEdge() throws Exception {
		List<Method> handlers = new ArrayList<>();
		try (Stream<Path> files = Files.list(Path.of("target/classes/dev/subdesk/api"))) {
			for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
				Class<?> type = Class.forName("dev.subdesk.api." + file.getFileName().toString().replace(".class", ""));
				for (Method method : type.getDeclaredMethods()) {
					if (AnnotatedElementUtils.hasAnnotation(method, RequestMapping.class)) {
						handlers.add(method);
					}
				}
			}
		}
		assertThat(handlers).as("API handlers").hasSizeGreaterThan(40);
		List<String> domain = new ArrayList<>();
		for (Method handler : handlers) {
			walk(handler.getGenericReturnType(), handler.getDeclaringClass().getSimpleName() + "." + handler.getName(),
					new HashSet<>(), domain);
		}
		assertThat(domain).as("domain types in answers (make a view record in dev.subdesk.api)").isEmpty();
	}

	@Test
	void theWalkFindsADomainRecordInsideAView() {
		record Leaky(dev.subdesk.billing.Refund refund) {
		}
		List<String> domain = new ArrayList<>();
		walk(Leaky.class, "Leaky", new HashSet<>(), domain);
		assertThat(domain).containsExactly("Leaky.refund: dev.subdesk.billing.Refund");
	}

	private static void walk(Type type, String where, Set<Type> seen, List<String> domain) {
		if (!seen.add(type)) {
			return;
		}
		switch (type) {
			case ParameterizedType p -> {
				walk(p.getRawType(), where, seen, domain);
				for (Type argument : p.getActualTypeArguments()) {
					walk(argument, where, seen, domain);
				}
			}
			case GenericArrayType a -> walk(a.getGenericComponentType(), where, seen, domain);
			case WildcardType w -> {
				for (Type bound : w.getUpperBounds()) {
					walk(bound, where, seen, domain);
				}
			}
			case Class<?> c -> {
				if (c.isArray()) {
					walk(c.getComponentType(), where, seen, domain);
					return;
				}
				String pkg = c.getPackageName();
				if (c.isEnum() || c.isPrimitive() || !pkg.startsWith("dev.subdesk") || pkg.equals("dev.subdesk.shared")) {
					return;
				}
				if (!pkg.equals("dev.subdesk.api")) {
					domain.add(where + ": " + c.getName());
					return;
				}
				if (c.isRecord()) {
					for (RecordComponent component : c.getRecordComponents()) {
						walk(component.getGenericType(), where + "." + component.getName(), seen, domain);
					}
				}
			}
			default -> {
			}
		}
	}
}
