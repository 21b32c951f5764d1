package io.hacover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the packages in layers, by reading the main sources. From the bottom up:
 * <ol>
 * <li>{@code core}, the engine;</li>
 * <li>{@code io} and {@code jdbc}, the covers, side by side;</li>
 * <li>{@code spring}, what an application touches in Spring Framework that is not
 * auto-configuration;</li>
 * <li>{@code test}, the test kit for recovery functions, which nothing else refers
 * to;</li>
 * <li>{@code actuate}, the operator's view: endpoint, health, meters, observations;</li>
 * <li>{@code autoconfigure}, the auto-configurations and their properties.</li>
 * </ol>
 * A package refers only to packages of lower layers, never to its own layer's neighbour
 * or to a higher layer. {@code autoconfigure} is on top, as in Spring Boot, because an
 * auto-configuration wires everything, the {@code actuate} beans included; so
 * {@code actuate} never reaches into {@code autoconfigure}. The engine ({@code core},
 * {@code io}, {@code jdbc}) is plain Java with spring-core, the Spring layer knows no
 * Spring Boot, and every public type of {@code autoconfigure} is an auto-configuration or
 * a properties class.
 * <p>
 * References to hacover packages are read from the code with comments and strings left
 * out: imports, static imports and fully qualified names alike.
 */
class ArchitectureTests {

	private static final Path SOURCES = Paths.get("src", "main", "java", "io", "hacover");

	private static final List<String> ENGINE_PACKAGES = List.of("core", "io", "jdbc");

	/**
	 * Each package, from the bottom layer up, and the hacover packages it may refer to:
	 * its own and those of lower layers.
	 */
	private static final Map<String, List<String>> LAYERS = layers();

	private static final Pattern HIGHER_LAYER_IMPORT = Pattern
		.compile("^\\s*import\\s+(static\\s+)?org\\.springframework\\.(boot|context|beans)\\.", Pattern.MULTILINE);

	private static final Pattern SPRING_BOOT_IMPORT = Pattern
		.compile("^\\s*import\\s+(static\\s+)?org\\.springframework\\.boot\\.", Pattern.MULTILINE);

	private static final Pattern AUTO_CONFIGURATION_IMPORT = Pattern
		.compile("^\\s*import\\s+(static\\s+)?[\\w.]*\\.autoconfigure\\.", Pattern.MULTILINE);

	private static final Pattern HACOVER_REFERENCE = Pattern.compile("\\bio\\.hacover\\.(\\w+)");

	private static final Pattern PACKAGE_DECLARATION = Pattern.compile("^\\s*package\\s+[\\w.]+\\s*;",
			Pattern.MULTILINE);

	private static final Pattern PUBLIC_TOP_LEVEL_TYPE = Pattern.compile(
			"^public\\s+(?:final\\s+|abstract\\s+|sealed\\s+|non-sealed\\s+)*(?:class|interface|record|enum|@interface)\\s+(\\w+)",
			Pattern.MULTILINE);

	private static final Pattern AUTO_CONFIGURATION_OR_PROPERTIES = Pattern
		.compile("^@(AutoConfiguration|ConfigurationProperties)\\b", Pattern.MULTILINE);

	private static final Pattern SYNCHRONIZED = Pattern.compile("\\bsynchronized\\b");

	private static final Pattern COMMENT_OR_STRING = Pattern.compile("/\\*.*?\\*/|//[^\\n]*|\"(\\\\.|[^\"\\\\])*\"",
			Pattern.DOTALL);

	@Test
	@DisplayName("the engine (core, io, jdbc) imports nothing of Spring Boot, spring-context or spring-beans")
	void engineImportsNoSpringBootContextOrBeans() {
		List<Path> engine = engineSources();
		assertThat(engine).isNotEmpty();
		assertThat(engine).allSatisfy((source) -> assertThat(HIGHER_LAYER_IMPORT.matcher(read(source)).find())
			.as("%s imports org.springframework.boot, .context or .beans", source)
			.isFalse());
	}

	@Test
	@DisplayName("the core holds no monitor: no synchronized in io.hacover.core (H24)")
	void coreHoldsNoMonitor() {
		List<Path> core = sourcesOf(SOURCES.resolve("core"));
		assertThat(core).isNotEmpty();
		assertThat(core).allSatisfy((source) -> assertThat(SYNCHRONIZED.matcher(code(source)).find())
			.as("%s uses the keyword 'synchronized'", source)
			.isFalse());
	}

	@Test
	@DisplayName("every package of the main sources has its place in the layers")
	void everyPackageHasItsPlaceInTheLayers() {
		assertThat(packages()).containsExactlyInAnyOrderElementsOf(LAYERS.keySet());
	}

	@Test
	@DisplayName("each package refers only to hacover packages of lower layers: "
			+ "core < io, jdbc < spring < test, actuate < autoconfigure; nothing refers to test")
	void eachPackageRefersOnlyToLowerLayers() {
		LAYERS.forEach((name, allowed) -> {
			List<Path> sources = sourcesOf(SOURCES.resolve(name));
			assertThat(sources).as("sources of io.hacover.%s", name).isNotEmpty();
			assertThat(sources).allSatisfy((source) -> assertThat(hacoverReferences(source))
				.as("hacover packages that %s refers to; io.hacover.%s may refer to %s only", source, name, allowed)
				.isSubsetOf(allowed));
		});
	}

	@Test
	@DisplayName("the Spring layer (io.hacover.spring) imports nothing of Spring Boot")
	void springLayerImportsNoSpringBoot() {
		List<Path> spring = sourcesOf(SOURCES.resolve("spring"));
		assertThat(spring).isNotEmpty();
		assertThat(spring).allSatisfy((source) -> assertThat(SPRING_BOOT_IMPORT.matcher(read(source)).find())
			.as("%s imports org.springframework.boot", source)
			.isFalse());
	}

	@Test
	@DisplayName("io.hacover.actuate imports no auto-configuration package, ours or Spring Boot's")
	void actuateImportsNoAutoConfiguration() {
		List<Path> actuate = sourcesOf(SOURCES.resolve("actuate"));
		assertThat(actuate).isNotEmpty();
		assertThat(actuate).allSatisfy((source) -> assertThat(AUTO_CONFIGURATION_IMPORT.matcher(read(source)).find())
			.as("%s imports an autoconfigure package", source)
			.isFalse());
	}

	@Test
	@DisplayName("the public types of io.hacover.autoconfigure are auto-configurations and properties only")
	void autoconfigureExposesOnlyAutoConfigurationsAndProperties() {
		List<Path> autoconfigure = sourcesOf(SOURCES.resolve("autoconfigure"));
		assertThat(autoconfigure).isNotEmpty();
		assertThat(autoconfigure).filteredOn((source) -> PUBLIC_TOP_LEVEL_TYPE.matcher(code(source)).find())
			.isNotEmpty()
			.allSatisfy((source) -> assertThat(AUTO_CONFIGURATION_OR_PROPERTIES.matcher(code(source)).find())
				.as("%s is public but neither an @AutoConfiguration nor a @ConfigurationProperties class; "
						+ "move it to the layer it belongs to, or make it package-private", source)
				.isTrue());
	}

	private static Map<String, List<String>> layers() {
		Map<String, List<String>> layers = new LinkedHashMap<>();
		layers.put("core", List.of("core"));
		layers.put("io", List.of("core", "io"));
		layers.put("jdbc", List.of("core", "jdbc"));
		layers.put("spring", List.of("core", "io", "jdbc", "spring"));
		layers.put("test", List.of("core", "io", "jdbc", "spring", "test"));
		layers.put("actuate", List.of("core", "io", "jdbc", "spring", "actuate"));
		layers.put("autoconfigure", List.of("core", "io", "jdbc", "spring", "actuate", "autoconfigure"));
		return layers;
	}

	private static Set<String> packages() {
		assertThat(SOURCES).as("main sources, relative to the module directory").isDirectory();
		try (Stream<Path> entries = Files.list(SOURCES)) {
			return new TreeSet<>(
					entries.filter(Files::isDirectory).map((directory) -> directory.getFileName().toString()).toList());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Set<String> hacoverReferences(Path source) {
		String code = PACKAGE_DECLARATION.matcher(code(source)).replaceAll(" ");
		Set<String> references = new TreeSet<>();
		Matcher matcher = HACOVER_REFERENCE.matcher(code);
		while (matcher.find()) {
			references.add(matcher.group(1));
		}
		return references;
	}

	private static List<Path> engineSources() {
		assertThat(SOURCES).as("main sources, relative to the module directory").isDirectory();
		List<Path> sources = new ArrayList<>();
		for (String name : ENGINE_PACKAGES) {
			Path directory = SOURCES.resolve(name);
			if (Files.isDirectory(directory)) {
				sources.addAll(sourcesOf(directory));
			}
		}
		return sources;
	}

	private static List<Path> sourcesOf(Path directory) {
		try (Stream<Path> files = Files.walk(directory)) {
			return files.filter((file) -> file.toString().endsWith(".java")).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String code(Path source) {
		return COMMENT_OR_STRING.matcher(read(source)).replaceAll(" ");
	}

	private static String read(Path source) {
		try {
			return Files.readString(source);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
