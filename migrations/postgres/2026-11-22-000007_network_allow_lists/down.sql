DROP TABLE account_networks;
