package dev.persistentconnection.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in headless Chromium (the system's {@code chromium} and {@code chromedriver}, Debian packages
 * {@code chromium} and {@code chromium-driver}): CONNECTED, stop the quote server with the page's button, the
 * connection leaves CONNECTED, start it, it comes back. Screenshots go to {@code target/}. Skipped when Chromium or
 * its driver is not installed; this test installs nothing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StatusPageBrowserTest extends SampleAppTestSupport {

    /** The system Chromium; {@code -Dsample.chromium=...} points elsewhere. */
    private static final Path CHROMIUM = Path.of(System.getProperty("sample.chromium", "/usr/bin/chromium"));
    /** Its driver; {@code -Dsample.chromedriver=...} points elsewhere. */
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("sample.chromedriver", "/usr/bin/chromedriver"));

    private WebDriver driver;

    @BeforeEach
    void requireChromium() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String message = "Browser test skipped: " + CHROMIUM + " or " + CHROMEDRIVER + " not found. Install the "
                + "Debian packages 'chromium' and 'chromium-driver' (.ci/run does) to run it.";
        if (!present) {
            System.out.println("[SKIPPED] " + message); // visible in the build output, not only in the report
        }
        assumeTrue(present, message);
    }

    @AfterEach
    void quit() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void showsTheConnectionLeavingAndComingBack(@TempDir Path profile) throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=1400,1200");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));

        driver.get("http://127.0.0.1:" + port + "/");
        await().ignoreExceptions().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(phase("quotes")).isEqualTo("CONNECTED");
            assertThat(text("server-state")).isEqualTo("RUNNING");
            assertThat(text("feed-state")).isEqualTo("live");
        });
        await().ignoreExceptions()
                .atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(phase("echo")).isEqualTo("CONNECTED"));
        screenshot("status-page-connected.png");

        driver.findElement(By.id("stop-server")).click();
        await().ignoreExceptions().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(phase("quotes")).isNotEqualTo("CONNECTED");
            assertThat(text("server-state")).isEqualTo("STOPPED");
            assertThat(text("error-quotes")).contains("refused");
            assertThat(driver.findElements(
                            By.cssSelector("#timeline li[data-connection='quotes'][data-kind='Failed_to_connect']")))
                    .isNotEmpty();
            assertThat(driver.findElements(By.cssSelector("#tasks li.k-Task_failed")))
                    .isNotEmpty();
            assertThat(text("outage-quotes")).as("the outage duration").endsWith(" s");
            assertThat(text("next-nowhere")).as("the countdown").matches("in .* s|now");
            assertThat(driver.findElement(By.id("retry-nowhere")).isEnabled()).isTrue();
        });
        screenshot("status-page-outage.png");

        driver.findElement(By.id("start-server")).click();
        await().ignoreExceptions()
                .atMost(recoveryBound("quotes").plusSeconds(3))
                .untilAsserted(() -> {
                    assertThat(phase("quotes")).isEqualTo("CONNECTED");
                    assertThat(text("server-state")).isEqualTo("RUNNING");
                });
        // A task answered after the recovery, then the picture for the README.
        await().ignoreExceptions()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(driver.findElement(By.cssSelector("#tasks li:first-child"))
                                .getDomAttribute("class"))
                        .isEqualTo("k-Task_ok"));
        assertThat(driver.findElement(By.cssSelector("#timeline li")).getText()).contains("quotes");
        screenshot("status-page.png");
    }

    private String phase(String connection) {
        return driver.findElement(By.id("phase-" + connection)).getDomAttribute("data-phase");
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    private void screenshot(String name) throws IOException {
        File shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
