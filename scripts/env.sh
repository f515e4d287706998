# Sourced by every project script: no tool may phone home, and the browser is Debian's.
export TURBO_TELEMETRY_DISABLED=1
export NEXT_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PLAYWRIGHT_BROWSERS_PATH=0
export npm_config_update_notifier=false
export npm_config_fund=false
export npm_config_audit=false
