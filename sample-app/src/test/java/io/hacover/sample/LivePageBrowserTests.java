package io.hacover.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live page in a real browser: headless Chromium loads it from the running app (demo
 * profile, chaos off), shows every HA connection and workload, shows the recovery that
 * follows a server killed with its button, and detaches, attaches and replaces the
 * recovery of a connection with its buttons, each a real write to {@code /actuator/ha}.
 * The run leaves a screenshot of the page, taken once the recovery is shown, in
 * {@code target/browser/live-page.png}.
 * <p>
 * Needs the Debian packages {@code chromium} and {@code chromium-driver}; the browser and
 * its driver are named by path, so Selenium never looks for them on the network.
 */
@SpringBootTest(classes = SampleApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "sample.chaos.enabled=false")
@DirtiesContext
class LivePageBrowserTests {

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	private static final Path SCREENSHOT = Path.of("target", "browser", "live-page.png");

	private static final String CONNECTION = "greeting";

	private static final String SERVER = "line";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final FreePorts ports = new FreePorts();

	private final HttpClient http = HttpClient.newHttpClient();

	private final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	private Path profile;

	private ChromeDriver browser;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		ports.register(registry);
	}

	@BeforeEach
	void openPage() throws IOException {
		assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
			.withFailMessage("the browser test needs %s and %s; install the Debian packages chromium and "
					+ "chromium-driver (apt-get install chromium chromium-driver)", CHROMIUM, CHROMEDRIVER)
			.isTrue();
		this.profile = Files.createTempDirectory("live-page-chromium");
		ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
			.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
					"--disable-sync", "--window-size=1280,900", "--user-data-dir=" + this.profile);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		this.browser = new ChromeDriver(service, options);
		this.browser.get(url("/"));
	}

	@AfterEach
	void closeBrowser() {
		try {
			if (this.browser != null) {
				this.browser.quit();
			}
		}
		finally {
			FileSystemUtils.deleteRecursively(this.profile.toFile());
		}
	}

	@Test
	void showsEveryConnectionAndWorkloadOfTheApp() throws Exception {
		List<String> connections = names(get("/actuator/ha"), "connections");
		List<String> workloads = names(get("/api/demo"), "workloads");
		assertThat(connections).contains(CONNECTION);
		awaitPage().untilAsserted(() -> {
			for (String name : connections) {
				assertThat(row(name).findElement(By.cssSelector("[data-testid=state]")).getText())
					.isEqualTo(state(name));
			}
			for (String name : workloads) {
				assertThat(this.browser.findElement(By.cssSelector("[data-workload='" + name + "']")).getText())
					.contains("calls");
			}
			assertThat(this.browser.findElement(By.id("status")).getDomAttribute("data-status")).isEqualTo("live");
		});
	}

	@Test
	void showsTheRecoveryThatFollowsAServerCrash() throws Exception {
		awaitPage().untilAsserted(() -> assertThat(row(CONNECTION).getDomAttribute("data-recoveries")).isNotNull());
		long before = recoveriesShown(CONNECTION);
		Instant crash = Instant.now();
		this.browser.findElement(By.cssSelector("button[data-chaos='" + SERVER + "']")).click();
		awaitPage().untilAsserted(() -> assertThat(this.browser.findElement(By.id("notice")).getText())
			.contains("the " + SERVER + " server was killed"));
		awaitPage().untilAsserted(() -> {
			assertThat(recoveriesShown(CONNECTION)).isGreaterThan(before);
			assertThat(lastRecoveredEvent(CONNECTION)).isAfter(crash);
			assertThat(this.browser.findElement(By.cssSelector("[data-legend='" + CONNECTION + "']"))
				.getDomAttribute("data-count")).isNotEqualTo("0");
		});
		saveScreenshot();
	}

	@Test
	@DisplayName("J9: the page shows the server of the ledger connection (host:port, role, timeline) as the "
			+ "endpoint tells it, none for a connection whose cover tells none, and after a click on 'Fail over' "
			+ "the promoted server, primary on the next timeline")
	void showsTheServerOfTheLedgerConnectionThroughAFailover() throws Exception {
		String ledger = this.json.readTree(get("/api/demo"))
			.get("workloads")
			.valueStream()
			.filter((workload) -> workload.get("name").asString().equals("ledger"))
			.findFirst()
			.orElseThrow()
			.get("connection")
			.asString();
		JsonNode server = this.json.readTree(get("/actuator/ha/" + ledger)).get("server");
		int port = server.get("port").asInt();
		int timeline = server.get("timeline").asInt();
		int promoted = (port == ports.failoverA()) ? ports.failoverB() : ports.failoverA();
		awaitPage().untilAsserted(() -> {
			assertThat(serverShown(ledger).isDisplayed()).isTrue();
			assertThat(serverShown(ledger).getText()).contains("localhost:" + port, "primary", "timeline " + timeline);
			assertThat(serverShown(CONNECTION).isDisplayed()).isFalse();
		});
		WebElement failOver = this.browser.findElement(By.cssSelector("button[data-chaos=failover]"));
		assertThat(failOver.getText()).isEqualTo("Fail over");
		failOver.click();
		awaitPage().untilAsserted(() -> {
			assertThat(this.browser.findElement(By.id("notice")).getText()).contains("standby promoted");
			assertThat(serverShown(ledger).getText()).contains("localhost:" + promoted, "primary",
					"timeline " + (timeline + 1));
			assertThat(serverShown(ledger).getDomAttribute("data-timeline")).isEqualTo(String.valueOf(timeline + 1));
		});
	}

	@Test
	void detachAndAttachButtonsChangeTheConnection() throws Exception {
		String name = names(get("/actuator/ha"), "connections").stream()
			.filter((candidate) -> !candidate.equals(CONNECTION))
			.findFirst()
			.orElse(CONNECTION);
		clickToggle(name, "detach");
		awaitPage().untilAsserted(() -> assertThat(stateShown(name)).isEqualTo("DETACHED"));
		assertThat(state(name)).isEqualTo("DETACHED");
		clickToggle(name, "attach");
		awaitPage().untilAsserted(() -> assertThat(stateShown(name)).isEqualTo("ATTACHED"));
		assertThat(state(name)).isEqualTo("ATTACHED");
	}

	@Test
	void replaceButtonSwitchesTheRecoveryBeanOfTheConnection() throws Exception {
		String before = recoveryBean(CONNECTION);
		awaitPage().untilAsserted(
				() -> assertThat(row(CONNECTION).findElements(By.cssSelector("select option"))).hasSizeGreaterThan(1));
		String other = row(CONNECTION).findElements(By.cssSelector("select option"))
			.stream()
			.map((option) -> option.getDomAttribute("value"))
			.filter((bean) -> !bean.equals(before))
			.findFirst()
			.orElseThrow();
		replaceRecovery(CONNECTION, other);
		assertThat(recoveryBean(CONNECTION)).isEqualTo(other);
		replaceRecovery(CONNECTION, before);
		assertThat(recoveryBean(CONNECTION)).isEqualTo(before);
	}

	private void replaceRecovery(String name, String bean) {
		new Select(row(name).findElement(By.tagName("select"))).selectByValue(bean);
		row(name).findElement(By.cssSelector("button[data-action=replace]")).click();
		awaitPage().untilAsserted(
				() -> assertThat(row(name).findElement(By.cssSelector(".recovery")).getText()).isEqualTo(bean));
	}

	private void clickToggle(String name, String action) {
		awaitPage().untilAsserted(() -> {
			WebElement button = row(name).findElement(By.cssSelector("button.toggle"));
			assertThat(button.getDomAttribute("data-action")).isEqualTo(action);
			assertThat(button.isDisplayed()).isTrue();
			button.click();
		});
	}

	private WebElement row(String name) {
		return this.browser.findElement(By.cssSelector("tr[data-connection='" + name + "']"));
	}

	private WebElement serverShown(String name) {
		return row(name).findElement(By.cssSelector("[data-testid=server]"));
	}

	private long recoveriesShown(String name) {
		return Long.parseLong(row(name).findElement(By.cssSelector("[data-testid=recovered]")).getText());
	}

	private String stateShown(String name) {
		WebElement row = row(name);
		assertThat(row.findElement(By.cssSelector("[data-testid=state]")).getText())
			.isEqualTo(row.getDomAttribute("data-state"));
		return row.getDomAttribute("data-state");
	}

	private Instant lastRecoveredEvent(String name) {
		WebElement time = this.browser
			.findElement(By.cssSelector("li[data-event-connection='" + name + "'][data-event-kind=RECOVERED] time"));
		return Instant.parse(time.getDomAttribute("datetime"));
	}

	private void saveScreenshot() throws IOException {
		List<?> heights = (List<?>) this.browser
			.executeScript("return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]");
		int page = ((Number) heights.get(0)).intValue();
		int frame = ((Number) heights.get(1)).intValue();
		this.browser.manage().window().setSize(new Dimension(1280, page + frame));
		Files.createDirectories(SCREENSHOT.getParent());
		Files.write(SCREENSHOT, this.browser.getScreenshotAs(OutputType.BYTES));
	}

	private ConditionFactory awaitPage() {
		// The page renders what two endpoints said, fetched side by side: an element may
		// lag the other for a poll (a recovery counted before its event is listed).
		return await().atMost(TIMEOUT)
			.ignoreExceptionsMatching(
					(ex) -> ex instanceof StaleElementReferenceException || ex instanceof NoSuchElementException);
	}

	private List<String> names(String body, String field) {
		return this.json.readTree(body).get(field).valueStream().map((item) -> item.get("name").asString()).toList();
	}

	private String state(String name) throws Exception {
		return this.json.readTree(get("/actuator/ha/" + name)).get("state").asString();
	}

	private String recoveryBean(String name) throws Exception {
		return this.json.readTree(get("/actuator/ha/" + name)).get("recoveryBean").asString();
	}

	private String get(String path) throws Exception {
		HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(),
				BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return response.body();
	}

	private String url(String path) {
		return "http://localhost:" + this.port + path;
	}

}
