"""Pages of the forecast (Previsão): the outlook, the backtest and the exports."""
